// Synthetic embeddings for the training tests: well-separated clusters on the unit sphere, no vision models needed.
import type { Person } from "../src/recognition/gallery.ts";
import { type FaceDataset, type FaceSample, NEGATIVE } from "../src/training/dataset.ts";
import { DEFAULT_HEAD_OPTIONS } from "../src/training/head.ts";
import { seededRng } from "../src/training/rng.ts";
import type { TrainRunOptions } from "../src/training/train-run.ts";

function normalise(v: Float32Array): Float32Array {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

export function syntheticDataset(
  opts: {
    people?: number;
    photos?: number;
    negatives?: number;
    dim?: number;
    noise?: number;
    seed?: number;
  } = {},
): { dataset: FaceDataset; people: Person[] } {
  const { people = 3, photos = 8, negatives = 0, dim = 32, noise = 0.35, seed = 7 } = opts;
  const rng = seededRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const centre = () => normalise(Float32Array.from({ length: dim }, gauss));
  const around = (c: Float32Array) => normalise(c.map((x) => x + ((noise * gauss()) / Math.sqrt(dim)) * 3));
  const aligned = { width: 112, height: 112, data: new Uint8Array(112 * 112 * 3) };
  const samples: FaceSample[] = [];
  const names = Array.from({ length: people }, (_, i) => `person${i}`);
  const centres = names.map(centre);
  let group = 0;
  names.forEach((_, label) => {
    for (let k = 0; k < photos; k++, group++) {
      const e = around(centres[label]);
      samples.push({
        label,
        aligned,
        embedding: e,
        upper: e,
        masked: false,
        augmented: false,
        source: `${k}.jpg`,
        group,
      });
      const a = around(centres[label]);
      samples.push({
        label,
        aligned,
        embedding: a,
        upper: a,
        masked: false,
        augmented: true,
        source: `${k}.jpg`,
        group,
      });
    }
  });
  for (let k = 0; k < negatives; k++, group++) {
    const e = centre();
    samples.push({
      label: NEGATIVE,
      aligned,
      embedding: e,
      upper: e,
      masked: false,
      augmented: false,
      source: `n${k}.jpg`,
      group,
    });
  }
  const personList: Person[] = names.map((name, label) => ({
    name,
    enrolledAt: "2026-01-01T00:00:00.000Z",
    templates: samples
      .filter((s) => s.label === label && !s.augmented)
      .flatMap((s) => [
        { space: "full" as const, vector: s.embedding, source: s.source, masked: false },
        { space: "upper" as const, vector: s.embedding, source: s.source, masked: false },
      ]),
  }));
  return { dataset: { names, embedderId: "synthetic-embedder", dim, samples }, people: personList };
}

export function runOptions(store: string, over: Partial<TrainRunOptions> = {}): TrainRunOptions {
  return {
    store,
    seed: 1,
    valFraction: 0.25,
    head: {
      ...DEFAULT_HEAD_OPTIONS,
      hidden: 16,
      maxEpochs: 30,
      patience: 8,
      batchSize: 8,
      learningRate: 1e-2,
    },
    unknownClass: true,
    facegateVersion: "test",
    detectorId: "test-detector",
    dataHash: "test",
    activate: true,
    refuseIfWorseBy: null,
    ...over,
  };
}
