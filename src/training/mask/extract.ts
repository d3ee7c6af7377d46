import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { alignByEyes, alignFace } from "../../vision/align.ts";
import type { FaceAnalyzer } from "../../vision/analyzer.ts";
import { decodeImage } from "../../vision/decode.ts";
import { mapFivePoints } from "../../vision/five-points.ts";
import { fivePointsFrom68 } from "../../vision/landmarks68.ts";
import { maskFeatures } from "../../vision/mask/features.ts";
import { hash01, mulberry32 } from "../../vision/mask/rng.ts";
import { drawSyntheticMask } from "../../vision/mask/synthetic.ts";
import type { Box } from "../../vision/types.ts";

/**
 * What the mask flag sees of one face, computed by the real analyzer (cascade detector, 68-point landmarks,
 * 5-point alignment, the embedder): the pixel features and the whole-face embedding the daemon computes anyway.
 */
export interface FaceRecord {
  /** Job id: set/path[#variant]. */
  id: string;
  set: "train" | "rwmfd" | "lfw";
  /** Person or photo group, for identity-disjoint splits. */
  group: string;
  /** 1 = masked. */
  y: number;
  /** lfw: MaskTheFace template of a masked copy; train: "synthetic" or "none". */
  template: string;
  pixels: number[];
  embedding: number[];
}

/** rwmfd-dev photo names start with a 4-digit group (a person or source): splits go by group. */
export function rwmfdPhotos(sharedData: string): string[] {
  return readdirSync(join(sharedData, "rwmfd-dev"))
    .filter((f) => f.endsWith(".jpg"))
    .sort()
    .map((f) => join(sharedData, "rwmfd-dev", f));
}

export interface Job {
  set: FaceRecord["set"];
  path: string;
  group: string;
  y: number;
  template: string;
  /** Synthetic masks to draw on a training photo (besides the plain face). */
  masks: number;
}

/**
 * The jobs, in a fixed order. Training: lfw-dev `enroll` rows + deepface + bbt (unmasked, plus synthetic masks
 * drawn by synthetic.ts); rwmfd-dev photos (all masked; only EVEN 4-digit groups may be trained on); lfw-dev
 * probe/unknown rows and their MaskTheFace copies (EVALUATION only, never trained on).
 */
export function maskJobs(shared: string, masksPerFace: number): Job[] {
  const jobs: Job[] = [];
  const rows = readFileSync(join(shared, "lfw-dev", "manifest.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1);
  const lfwEval: Job[] = [];
  for (const line of rows) {
    const [identity, path, role, masked, template] = line.split("\t");
    const full = join(shared, "lfw-dev", path);
    if (role === "enroll")
      jobs.push({ set: "train", path: full, group: identity, y: 0, template: "none", masks: masksPerFace });
    else
      lfwEval.push({
        set: "lfw",
        path: full,
        group: identity,
        y: Number(masked),
        template: template || "none",
        masks: 0,
      });
  }
  for (const rel of (readdirSync(join(shared, "deepface"), { recursive: true }) as string[]).sort()) {
    if (/\.(jpe?g|png)$/i.test(rel))
      jobs.push({
        set: "train",
        path: join(shared, "deepface", rel),
        group: `deepface:${rel.split("/")[0]}`,
        y: 0,
        template: "none",
        masks: masksPerFace,
      });
  }
  for (const name of readdirSync(join(shared, "bbt")).sort()) {
    if (name === "groups") continue;
    for (const f of readdirSync(join(shared, "bbt", name)).sort())
      jobs.push({
        set: "train",
        path: join(shared, "bbt", name, f),
        group: `bbt:${name}`,
        y: 0,
        template: "none",
        masks: masksPerFace,
      });
  }
  const rest = lfwEval;
  for (const path of rwmfdPhotos(shared)) {
    const base = path.slice(path.lastIndexOf("/") + 1);
    rest.push({ set: "rwmfd", path, group: `rwmfd:${base.slice(0, 4)}`, y: 1, template: "real", masks: 0 });
  }
  // rwmfd-dev and the evaluation rows in a fixed pseudo-random order, so a partial run is still a fair sample.
  const order = rest.map((j, i) => ({ j, k: hash01(i, 17, 5) }));
  order.sort((a, b) => a.k - b.k);
  for (const { j } of order) jobs.push(j);
  return jobs;
}

const round = (v: ArrayLike<number>) => Array.from(v, (x) => Math.round(x * 1e4) / 1e4);

/**
 * Runs one job through the analyzer: the largest face only (photos show one person, rwmfd's largest face is
 * the subject). Synthetic masks are drawn on the original photo and the 68-point model re-places the landmarks
 * on the masked photo inside the same box, as the analyzer would.
 */
export async function runJob(
  analyzer: FaceAnalyzer,
  job: Job,
  seed: number,
  index: number,
): Promise<FaceRecord[]> {
  const decoded = await decodeImage(readFileSync(job.path));
  const [face] = await analyzer.analyzeDecoded(decoded, { maxFaces: 1 });
  if (!face) return [];
  const { image, scale } = decoded;
  const size = analyzer.embedder.inputSize;
  // Pixel features on the eye-aligned crop, as the analyzer gives the flag; the embedding is the whole face's.
  const lm = mapFivePoints(face.landmarks, ([x, y]) => [x / scale, y / scale]);
  const id = `${job.set}/${job.path.split("/").slice(-2).join("/")}`;
  const out: FaceRecord[] = [
    {
      id,
      set: job.set,
      group: job.group,
      y: job.y,
      template: job.template,
      pixels: round(maskFeatures(alignByEyes(image, lm[0], lm[1], size))),
      embedding: round(face.embedding),
    },
  ];
  if (!job.masks || !analyzer.landmarks68) return out;
  const box = face.box.map((v) => v / scale) as unknown as Box;
  const rng = mulberry32(seed * 100_003 + index);
  for (let k = 0; k < job.masks; k++) {
    const masked = drawSyntheticMask(image, lm, rng);
    const points = fivePointsFrom68(await analyzer.landmarks68.predict(masked, box));
    const embedding = await analyzer.embedder.embed(alignFace(masked, points, size));
    out.push({
      id: `${id}#${k}`,
      set: job.set,
      group: job.group,
      y: 1,
      template: "synthetic",
      pixels: round(maskFeatures(alignByEyes(masked, points[0], points[1], size))),
      embedding: round(embedding),
    });
  }
  return out;
}
