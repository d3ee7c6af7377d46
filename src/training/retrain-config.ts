import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse } from "yaml";
import { TrainingError } from "./errors.ts";

/**
 * The parts of facegate.yaml that retraining needs, read leniently (the daemon's schema validates the whole file):
 *
 *   models_dir: ...            # optional
 *   detector: { kind, model }  # optional
 *   training:
 *     people: /var/lib/facegate/people      # one folder per person
 *     store: /var/lib/facegate/models       # the versioned model store
 *     negatives: [/var/lib/facegate/never]  # optional: people who must stay unknown
 *
 * Without a `training` section, people/ and models/ beside the gallery are used. Relative paths are resolved
 * against the config file's folder, as everywhere in facegate.
 */
export interface RetrainConfig {
  people: string;
  store: string;
  negatives: string[];
  modelsDir?: string;
  detector?: string;
  detectorModel?: string;
}

export function readRetrainConfig(path: string): RetrainConfig {
  let doc: Record<string, unknown>;
  try {
    doc = (parse(readFileSync(path, "utf8")) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new TrainingError(`cannot read config ${path}: ${(err as Error).message}`);
  }
  const base = dirname(resolve(path));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const str = (v: unknown, key: string): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw new TrainingError(`${path}: ${key} must be a path`);
    return v;
  };
  const training = (doc.training ?? {}) as Record<string, unknown>;
  const detector = (doc.detector ?? {}) as Record<string, unknown>;
  const gallery = str(doc.gallery, "gallery") ?? "/var/lib/facegate/gallery";
  const home = dirname(abs(gallery));
  const negatives = training.negatives ?? [];
  if (!Array.isArray(negatives))
    throw new TrainingError(`${path}: training.negatives must be a list of folders`);
  const modelsDir = str(doc.models_dir, "models_dir");
  const detectorModel = str(detector.model, "detector.model");
  return {
    people: abs(str(training.people, "training.people") ?? resolve(home, "people")),
    store: abs(str(training.store, "training.store") ?? resolve(home, "models")),
    negatives: negatives.map((n, i) => abs(str(n, `training.negatives[${i}]`) ?? "")),
    modelsDir: modelsDir ? abs(modelsDir) : undefined,
    detector: str(detector.kind, "detector.kind"),
    detectorModel: detectorModel ? abs(detectorModel) : undefined,
  };
}
