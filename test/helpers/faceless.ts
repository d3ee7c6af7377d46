import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeImage } from "../../src/vision/decode.ts";
import type { Box, FaceDetector, RgbImage } from "../../src/vision/types.ts";

/**
 * Builds several hundred faceless images, honestly, for measuring false detections. Recipe:
 *  1. ffmpeg test sources (testsrc, SMPTE bars, mandelbrot, cellular automata, life, gradients, sierpinski,
 *     noise) at three sizes, a few frames each;
 *  2. background crops of real photos (rwmfd-dev, deepface, bbt groups): each crop lies far away from every
 *     box that any of the given detectors finds at a low threshold (each box grown by one face width sideways,
 *     one height above and three heights below, for the body), and at least 96 px on its shorter side;
 *  3. variants of every base image: rotated by 90° and mirrored, and shrunk to half size.
 * Each image belongs to a half, `dev` or `test`, decided by its source (the 4-digit group prefix of an rwmfd
 * photo, the person of a deepface photo, the pattern of a test source), so variants and crops of one source
 * never straddle the halves and rwmfd crops follow the rwmfd-dev split (even prefix = dev).
 */
export interface FacelessImage {
  /** Source and variant, e.g. "rwmfd/0001_0002.jpg#1 rot90". */
  name: string;
  half: "dev" | "test";
  image: RgbImage;
}

export interface FacelessOptions {
  /** `../shared/data`. */
  dataDir: string;
  /** Detectors whose low-threshold boxes mark where faces are (use every one available, references included). */
  detectors: FaceDetector[];
  /** Photo crops per rwmfd photo (they are small and mostly face), per deepface photo and per bbt group frame. */
  cropsPerPhoto?: { rwmfd: number; other: number };
  /** Include the rotated/mirrored and half-size variants (default true). */
  variants?: boolean;
}

/** The half of an rwmfd-dev photo: even 4-digit group prefix = dev. Exported so recall uses the same split. */
export function rwmfdHalf(file: string): "dev" | "test" {
  return Number.parseInt(file.slice(0, 4), 10) % 2 === 0 ? "dev" : "test";
}

/** A stable half for any other source name (FNV-1a parity), so the split is not chosen by looking at results. */
export function nameHalf(name: string): "dev" | "test" {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 2 === 0 ? "dev" : "test";
}

export function cropRgb(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const out = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const s = ((y + r) * img.width + x) * 3;
    out.set(img.data.subarray(s, s + w * 3), r * w * 3);
  }
  return { data: out, width: w, height: h };
}

/** Rotates 90° clockwise and mirrors in one go (a transpose): a new orientation and handedness. */
export function transposeRgb(img: RgbImage): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = (x * h + y) * 3;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return { data: out, width: h, height: w };
}

/** Half size by 2×2 box averaging. */
export function halveRgb(img: RgbImage): RgbImage {
  const w = img.width >> 1;
  const h = img.height >> 1;
  const out = new Uint8Array(w * h * 3);
  const src = img.data;
  const row = img.width * 3;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (2 * y * img.width + 2 * x) * 3;
      const d = (y * w + x) * 3;
      for (let c = 0; c < 3; c++)
        out[d + c] = (src[s + c] + src[s + 3 + c] + src[s + row + c] + src[s + row + 3 + c] + 2) >> 2;
    }
  }
  return { data: out, width: w, height: h };
}

const PATTERNS = [
  "testsrc",
  "testsrc2",
  "smptebars",
  "smptehdbars",
  "rgbtestsrc",
  "yuvtestsrc",
  "mandelbrot",
  "cellauto",
  "life=mold=10",
  "gradients=seed=3",
  "gradients=seed=7:n=5",
  "sierpinski",
  "cellauto=rule=30",
  "mandelbrot=start_scale=0.5",
  "color=c=gray,noise=alls=40:allf=t",
  "gradients=seed=11:type=radial",
];

/** ffmpeg test sources: each pattern at 3 sizes, 3 frames far apart. */
function patterns(): FacelessImage[] {
  const dir = mkdtempSync(join(tmpdir(), "faceless-"));
  try {
    const jobs: { file: string; name: string }[] = [];
    PATTERNS.forEach((p, i) => {
      for (const size of ["640x480", "320x240", "1280x720"]) {
        const [name, args = ""] = p.split(/=(.*)/s);
        // Filters after a comma are a second stage (e.g. noise over a flat colour).
        const [srcArgs, post] = args.split(",");
        const first = name === "color" ? `color=${srcArgs}` : `${name}=${srcArgs ? `${srcArgs}:` : ""}`;
        const src = name === "color" ? `${first}:size=${size}:rate=5` : `${first}size=${size}:rate=5`;
        const chain = `${post ? `${post},` : ""}select='not(mod(n\\,17))'`;
        const base = `p${i}_${size}`;
        try {
          execFileSync("ffmpeg", [
            ...["-loglevel", "error", "-f", "lavfi", "-i", src, "-vf", chain],
            ...["-vsync", "0", "-frames:v", "3", join(dir, `${base}_%d.png`)],
          ]);
        } catch {
          continue; // an ffmpeg without that source: fewer patterns, not a failure
        }
        for (let f = 1; f <= 3; f++)
          jobs.push({ file: join(dir, `${base}_${f}.png`), name: `${p} ${size} #${f}` });
      }
    });
    const half = (i: number) => (i % 2 === 0 ? "dev" : "test");
    const out: FacelessImage[] = [];
    for (const j of jobs) {
      if (!existsSync(j.file)) continue;
      const idx = PATTERNS.findIndex((p) => j.name.startsWith(`${p} `));
      out.push({ name: `ffmpeg/${j.name}`, half: half(idx), image: decodeSync(j.file) });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Test sources are decoded by ffmpeg straight to raw RGB to keep this synchronous and dependency-free.
function decodeSync(file: string): RgbImage {
  const probe = execFileSync("ffprobe", [
    ...["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height"],
    ...["-of", "csv=p=0", file],
  ])
    .toString()
    .trim()
    .split(",")
    .map(Number);
  const data = execFileSync(
    "ffmpeg",
    ["-loglevel", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    {
      maxBuffer: 64 << 20,
    },
  );
  return { data: new Uint8Array(data), width: probe[0], height: probe[1] };
}

/** A small deterministic generator, so the set is the same on every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** True when the rectangle touches any face's zone (box grown 1 width sideways, 1 height up, 3 heights down). */
function nearFace(boxes: Box[], x: number, y: number, w: number, h: number): boolean {
  return boxes.some(
    ([bx, by, bw, bh]) => x < bx + 2 * bw && x + w > bx - bw && y < by + 4 * bh && y + h > by - bh,
  );
}

async function photoCrops(
  image: RgbImage,
  detectors: FaceDetector[],
  count: number,
  rnd: () => number,
): Promise<{ image: RgbImage; index: number }[]> {
  const boxes: Box[] = [];
  for (const d of detectors) for (const det of await d.detect(image)) boxes.push(det.box);
  const out: { image: RgbImage; index: number }[] = [];
  const minSide = Math.min(image.width, image.height);
  for (let tries = 0; tries < 80 && out.length < count; tries++) {
    const h = Math.floor(minSide * (0.25 + 0.35 * rnd()));
    const w = Math.min(image.width - 1, Math.floor(h * (0.7 + 0.7 * rnd())));
    if (h < 96 || w < 96) break;
    const x = Math.floor(rnd() * (image.width - w));
    const y = Math.floor(rnd() * (image.height - h));
    if (nearFace(boxes, x, y, w, h)) continue;
    out.push({ image: cropRgb(image, x, y, w, h), index: out.length });
  }
  return out;
}

function listImages(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
}

export async function buildFaceless(opts: FacelessOptions): Promise<FacelessImage[]> {
  const per = opts.cropsPerPhoto ?? { rwmfd: 1, other: 3 };
  const rnd = lcg(12345);
  const base = patterns();
  const sources: { dir: string; files: string[]; count: number; half: (f: string) => "dev" | "test" }[] = [
    {
      dir: "rwmfd-dev",
      files: listImages(join(opts.dataDir, "rwmfd-dev")),
      count: per.rwmfd,
      half: rwmfdHalf,
    },
    {
      dir: "deepface",
      files: listImages(join(opts.dataDir, "deepface")),
      count: per.other,
      half: (f) => nameHalf(f.split("/")[0]),
    },
    {
      dir: "bbt/groups",
      files: listImages(join(opts.dataDir, "bbt", "groups")),
      count: per.other,
      half: nameHalf,
    },
  ];
  for (const s of sources) {
    for (const f of s.files) {
      const { image } = await decodeImage(readFileSync(join(opts.dataDir, s.dir, f)));
      for (const c of await photoCrops(image, opts.detectors, s.count, rnd))
        base.push({ name: `${s.dir}/${f}#${c.index}`, half: s.half(f), image: c.image });
    }
  }
  if (opts.variants === false) return base;
  const out = [...base];
  for (const b of base) {
    out.push({ name: `${b.name} transposed`, half: b.half, image: transposeRgb(b.image) });
    if (Math.min(b.image.width, b.image.height) >= 192)
      out.push({ name: `${b.name} half`, half: b.half, image: halveRgb(b.image) });
  }
  return out;
}
