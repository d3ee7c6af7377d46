/**
 * Builds the demo media in demo/ (committed; see demo/SOURCES.md) from three public-domain / CC0 photos that
 * Debian packages ship, so that anyone can rebuild them and check where every pixel came from:
 *   node --import tsx scripts/build-demo-media.ts [--from <folder with the extracted .deb trees>] [--out demo]
 * Without --from, `apt-get download` fetches the pinned packages into a temporary folder and `dpkg -x` unpacks
 * them. Every source file is checked against its sha256 before use.
 *
 * What it makes: per demo person three enrollment photos (the original, its mirror image, and a slightly turned
 * and darker copy: each person has only one photo), and demo/door.mp4, a 640×480 slideshow at 10 fps of an empty
 * doorway (drawn here) with the photos sliding in: a demo person, a stranger, a demo person in a mask drawn by the
 * project's own generator (drawSyntheticMask), the same person without it, the first person in a mask.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import sharp, { type Sharp } from "sharp";
import { decodeImage } from "../src/vision/decode.ts";
import { mulberry32 } from "../src/vision/mask/rng.ts";
import { drawSyntheticMask, type MaskStyle } from "../src/vision/mask/synthetic.ts";
import type { FivePoints, RgbImage } from "../src/vision/types.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";

interface SourcePhoto {
  /** Who it shows; null for the stranger (never enrolled). */
  person: string | null;
  /** File name stem in demo/people/<person>/. */
  stem: string;
  deb: string;
  version: string;
  path: string;
  sha256: string;
}

const SKIMAGE = { deb: "python3-skimage", version: "0.19.3-8" };
const MATPLOTLIB = { deb: "python-matplotlib-data", version: "3.6.3-1" };
const COLLINS: SourcePhoto = {
  person: "Eileen Collins",
  stem: "collins",
  ...SKIMAGE,
  path: "usr/lib/python3/dist-packages/skimage/data/astronaut.png",
  sha256: "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
};
const HOPPER: SourcePhoto = {
  person: "Grace Hopper",
  stem: "hopper",
  ...MATPLOTLIB,
  path: "usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg",
  sha256: "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130",
};
const CAMERAMAN: SourcePhoto = {
  person: null,
  stem: "cameraman",
  ...SKIMAGE,
  path: "usr/lib/python3/dist-packages/skimage/data/camera.png",
  sha256: "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a",
};

const WIDTH = 640;
const HEIGHT = 480;
const FPS = 10;

/** One stretch of the video: the empty doorway, or a photo sliding in (optionally with a drawn mask). */
type Scene = { seconds: number } & ({ photo: null } | { photo: SourcePhoto; mask?: MaskStyle });

const EMPTY = (seconds: number): Scene => ({ seconds, photo: null });
/**
 * identified → unknown → identified in a mask within the first 17 s; then the unmasked twin and the other
 * person masked. 1.5 s of empty doorway between visitors ends each track (a `left` event) before the next.
 */
const TIMELINE: Scene[] = [
  EMPTY(1.5),
  { seconds: 4, photo: COLLINS },
  EMPTY(1.5),
  { seconds: 4, photo: CAMERAMAN },
  EMPTY(1.5),
  { seconds: 4, photo: HOPPER, mask: "surgical" },
  EMPTY(1.5),
  { seconds: 4, photo: HOPPER },
  EMPTY(1.5),
  { seconds: 4, photo: COLLINS, mask: "ffp2" },
  EMPTY(1.5),
];

const { values } = parseArgs({
  options: { from: { type: "string" }, out: { type: "string", default: "demo" } },
});
const out = resolve(values.out);
/** The downloaded packages, removed at the end; null with --from. */
const downloads = values.from ? null : mkdtempSync(join(tmpdir(), "facegate-demo-debs-"));
const from = values.from
  ? resolve(values.from)
  : debianTrees(downloads as string, [COLLINS, HOPPER, CAMERAMAN]);

function debianTrees(dir: string, photos: SourcePhoto[]): string {
  const specs = [...new Set(photos.map((p) => `${p.deb}=${p.version}`))];
  run("apt-get", ["download", ...specs], dir);
  const tree = join(dir, "tree");
  for (const deb of readdirSync(dir).filter((f) => f.endsWith(".deb"))) run("dpkg", ["-x", deb, tree], dir);
  return tree;
}

function run(command: string, args: string[], cwd: string): void {
  const r = spawnSync(command, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status ?? r.error})`);
}

function readSource(photo: SourcePhoto): Buffer {
  const bytes = readFileSync(join(from, photo.path));
  const sha = createHash("sha256").update(bytes).digest("hex");
  if (sha !== photo.sha256) throw new Error(`${photo.path}: sha256 ${sha}, expected ${photo.sha256}`);
  return bytes;
}

async function toRgb(pipeline: Sharp): Promise<RgbImage> {
  const { data, info } = await pipeline
    .toColourspace("srgb")
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const rawSharp = (img: RgbImage) =>
  sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } });

/** The empty doorway: a wall, a door frame and a floor, drawn here (no photo, no licence question). */
async function doorway(): Promise<RgbImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
    <defs><linearGradient id="wall" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#e4dccb"/><stop offset="1" stop-color="#bdb29c"/></linearGradient></defs>
    <rect width="${WIDTH}" height="${HEIGHT}" fill="url(#wall)"/>
    <rect x="150" y="30" width="340" height="420" fill="#6d5238"/>
    <rect x="170" y="48" width="300" height="402" fill="#3d3a36"/>
    <rect x="0" y="440" width="${WIDTH}" height="40" fill="#8c8272"/>
  </svg>`;
  return toRgb(sharp(Buffer.from(svg)));
}

/** Eyes, nose and mouth of the largest face, from the same vision worker the daemon uses. */
async function landmarksOf(vision: VisionClient, image: RgbImage, label: string): Promise<FivePoints> {
  const { faces } = await vision.analyzeRaw(image, 1, { maxFaces: 1 });
  if (faces.length === 0) throw new Error(`${label}: no face found`);
  return faces[0].landmarks;
}

/** A stable seed per photo and mask style, so a rebuild draws the same masks. */
function seedOf(photo: SourcePhoto, style: string): number {
  return createHash("sha256").update(`${photo.sha256}:${style}`).digest().readUInt32LE(0);
}

async function writeEnrollPhotos(photo: SourcePhoto, bytes: Buffer): Promise<void> {
  if (!photo.person) return;
  const dir = join(out, "people", photo.person);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const jpeg = (s: Sharp, n: number) =>
    s.jpeg({ quality: 88, mozjpeg: true }).toFile(join(dir, `${photo.stem}-${n}.jpg`));
  await jpeg(sharp(bytes).toColourspace("srgb"), 1);
  await jpeg(sharp(bytes).toColourspace("srgb").flop(), 2);
  const meta = await sharp(bytes).metadata();
  await jpeg(
    sharp(bytes)
      .toColourspace("srgb")
      .rotate(5, { background: "#808080" })
      .extract({ left: 0, top: 0, width: meta.width ?? 0, height: meta.height ?? 0 })
      .modulate({ brightness: 0.88 }),
    3,
  );
}

/**
 * Frames of one scene: the photo, scaled to 82 → 90 % of the frame height, slides from right of centre to left
 * of it over the doorway (a visitor walking up), so the motion gate sees movement and the tracker a path.
 */
async function* sceneFrames(scene: Scene, background: RgbImage, looks: Map<string, RgbImage>) {
  const count = Math.round(scene.seconds * FPS);
  const bg = Buffer.from(background.data);
  if (!scene.photo) {
    for (let i = 0; i < count; i++) yield bg;
    return;
  }
  const shown = looks.get(lookOf(scene)) as RgbImage;
  for (let i = 0; i < count; i++) {
    const t = i / Math.max(1, count - 1);
    const h = Math.round(HEIGHT * (0.82 + 0.08 * t));
    const w = Math.round((shown.width * h) / shown.height);
    const left = Math.round((WIDTH - w) / 2 + 60 - 120 * t);
    const top = HEIGHT - h;
    const resized = await rawSharp(shown).resize(w, h).raw().toBuffer();
    const frame = await sharp(bg, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .composite([
        {
          input: resized,
          raw: { width: w, height: h, channels: 3 },
          left: Math.max(-w + 1, left),
          top,
        },
      ])
      .toColourspace("srgb")
      .removeAlpha()
      .raw()
      .toBuffer();
    yield frame;
  }
}

/** A photo as one scene shows it: "hopper", or "hopper:surgical" with a drawn mask. */
function lookOf(scene: Scene): string {
  if (!scene.photo) return "";
  return scene.mask ? `${scene.photo.stem}:${scene.mask}` : scene.photo.stem;
}

async function encode(frames: AsyncIterable<Buffer>, file: string): Promise<void> {
  const ffmpeg = spawn(
    "ffmpeg",
    [
      ...["-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24"],
      ...["-s", `${WIDTH}x${HEIGHT}`, "-r", String(FPS), "-i", "pipe:0"],
      ...["-c:v", "libx264", "-preset", "veryslow", "-crf", "26", "-pix_fmt", "yuv420p"],
      ...["-movflags", "+faststart", file],
    ],
    { stdio: ["pipe", "inherit", "inherit"] },
  );
  const done = new Promise<number>((ok) => ffmpeg.on("exit", (code) => ok(code ?? 1)));
  for await (const frame of frames) {
    if (!ffmpeg.stdin.write(frame)) await new Promise((ok) => ffmpeg.stdin.once("drain", ok));
  }
  ffmpeg.stdin.end();
  if ((await done) !== 0) throw new Error("ffmpeg failed to encode the demo video");
}

async function main(): Promise<void> {
  if (!existsSync(from)) throw new Error(`${from} does not exist`);
  mkdirSync(out, { recursive: true });
  const vision = new VisionClient({});
  await vision.start();
  try {
    const looks = new Map<string, RgbImage>();
    for (const photo of [COLLINS, HOPPER, CAMERAMAN]) {
      const bytes = readSource(photo);
      looks.set(photo.stem, (await decodeImage(bytes)).image);
      await writeEnrollPhotos(photo, bytes);
    }
    for (const scene of TIMELINE) {
      if (!scene.photo || !scene.mask) continue;
      const image = looks.get(scene.photo.stem) as RgbImage;
      const landmarks = await landmarksOf(vision, image, scene.photo.stem);
      const rng = mulberry32(seedOf(scene.photo, scene.mask));
      looks.set(lookOf(scene), drawSyntheticMask(image, landmarks, rng, { style: scene.mask }));
    }
    const background = await doorway();
    async function* all() {
      for (const scene of TIMELINE) yield* sceneFrames(scene, background, looks);
    }
    await encode(all(), join(out, "door.mp4"));
    // What the daemon will see of each look (the masked ones must be flagged masked, the others not).
    for (const [look, image] of looks) {
      const { faces } = await vision.analyzeRaw(image, 1, { maxFaces: 1 });
      const f = faces[0];
      console.log(`${look}: ${f ? `face ${Math.round(f.box[2])} px, mask flag ${f.masked}` : "NO FACE"}`);
    }
  } finally {
    await vision.stop();
    if (downloads) rmSync(downloads, { recursive: true, force: true });
  }
  const seconds = TIMELINE.reduce((s, x) => s + x.seconds, 0);
  console.log(`demo media written to ${out} (${seconds} s video at ${FPS} fps)`);
}

await main();
