import type { Person, Template } from "../recognition/gallery.ts";
import type { RgbImage } from "../vision/types.ts";
import type { VisionClient } from "../vision/worker/vision-client.ts";
import { type FaceDataset, type FaceSample, NEGATIVE } from "./dataset.ts";
import { TrainingError } from "./errors.ts";
import { readDatasetNpz } from "./npz.ts";

const CANVAS = 224;

/**
 * Loads a dataset exported with `--export-npz` (or made with numpy). Its embeddings are reused when they come
 * from the configured embedder; otherwise every aligned crop is embedded again: the crop is centred on a grey
 * canvas so that the detector finds and re-aligns it (the worker offers no embed-only request).
 */
export async function datasetFromNpz(
  path: string,
  vision: VisionClient,
): Promise<{ dataset: FaceDataset; reembedded: number; lost: number }> {
  const raw = await readDatasetNpz(path);
  const reuse = raw.embedderId === vision.embedderId && raw.dim === vision.embedderDim;
  const samples: FaceSample[] = [];
  let reembedded = 0;
  let lost = 0;
  for (const s of raw.samples) {
    if (reuse && s.embedding) {
      samples.push({ ...s, embedding: s.embedding, upper: s.upper });
      continue;
    }
    const r = await vision.analyzeRaw(onCanvas(s.aligned), 1, {
      withUpper: true,
      keepAligned: true,
      maxFaces: 1,
    });
    const face = r.faces[0];
    if (!face) {
      lost++;
      continue;
    }
    reembedded++;
    samples.push({ ...s, embedding: face.embedding, upper: face.upperEmbedding ?? null });
  }
  if (samples.length === 0) throw new TrainingError(`${path}: no usable face in the archive`);
  return {
    dataset: { names: raw.names, embedderId: vision.embedderId, dim: vision.embedderDim, samples },
    reembedded,
    lost,
  };
}

function onCanvas(crop: RgbImage): RgbImage {
  const data = new Uint8Array(CANVAS * CANVAS * 3).fill(128);
  const off = (CANVAS - crop.width) / 2;
  for (let y = 0; y < crop.height; y++)
    data.set(
      crop.data.subarray(y * crop.width * 3, (y + 1) * crop.width * 3),
      ((y + off) * CANVAS + off) * 3,
    );
  return { width: CANVAS, height: CANVAS, data };
}

/**
 * Gallery people from a dataset (the .npz path has no photos to re-run enrollment on): original unmasked faces
 * give whole-face and upper templates, masked ones (real or synthetic) upper templates only, as in enroll.
 */
export function peopleFromDataset(ds: FaceDataset): Person[] {
  const now = new Date().toISOString();
  return ds.names
    .map((name, label) => {
      const templates: Template[] = [];
      for (const s of ds.samples) {
        if (s.label !== label || s.label === NEGATIVE) continue;
        if (!s.augmented && !s.masked)
          templates.push({ space: "full", vector: s.embedding, source: s.source, masked: false });
        if (s.upper && (!s.augmented || s.masked))
          templates.push({
            space: "upper",
            vector: s.upper,
            source: s.masked ? `${s.source}#mask` : s.source,
            masked: s.masked,
          });
      }
      return { name, enrolledAt: now, templates };
    })
    .filter((p) => p.templates.some((t) => t.space === "full"));
}
