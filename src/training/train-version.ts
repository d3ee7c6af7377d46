import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { enrollPolicyFor } from "../recognition/enroll.ts";
import type { Person } from "../recognition/gallery.ts";
import { calibratedThreshold, calibrationFor, defaultCalibrationPath } from "../recognition/recognizer.ts";
import { PACKAGE_ROOT, WEIGHTS_DIR } from "../vision/factory.ts";
import type { VisionClient } from "../vision/worker/vision-client.ts";
import type { FaceDataset } from "./dataset.ts";
import { TrainingError } from "./errors.ts";
import { type Extraction, extractDataset } from "./extract.ts";
import { datasetFromNpz, peopleFromDataset } from "./from-npz.ts";
import { DEFAULT_HEAD_OPTIONS } from "./head.ts";
import { writeDatasetNpz } from "./npz.ts";
import { type TrainRunResult, trainAndStore } from "./train-run.ts";

/** One `facegate train`: where the faces come from and what to do with the new version. */
export interface TrainVersionRequest {
  store: string;
  /** A folder of person folders, or… */
  peopleDir?: string;
  /** …an .npz exported by an earlier run (`--from-npz`). */
  fromNpz?: string;
  negatives: string[];
  seed: number;
  valSplit: number;
  maxEpochs: number;
  /** Augmented and synthetic-masked copies per accepted photo. */
  augmentations: number;
  maskedCopies: number;
  unknownClass: boolean;
  /** Also write the extracted faces as an .npz. */
  exportNpz?: string;
  activate: boolean;
  refuseIfWorseBy: number | null;
  shouldStop: () => boolean;
  /** Progress lines for a person (per-person counts, skipped photos). */
  log: (line: string) => void;
}

export interface TrainVersionResult extends TrainRunResult {
  samples: number;
}

/**
 * Faces in (photos through the vision worker, or an .npz), a version out: thresholds from the product
 * calibration when it covers this embedder (the recognizer's own rule for the gallery's size), the head trained,
 * the version written and activated (or refused) by `trainAndStore`.
 */
export async function trainVersion(
  vision: VisionClient,
  req: TrainVersionRequest,
): Promise<TrainVersionResult> {
  const calibration = calibrationFor(defaultCalibrationPath(WEIGHTS_DIR), vision.embedderId);
  let extraction: Extraction | null = null;
  let dataset: FaceDataset;
  let people: Person[];
  let dataHash: string;
  if (req.fromNpz) {
    const r = await datasetFromNpz(req.fromNpz, vision);
    dataset = r.dataset;
    people = peopleFromDataset(dataset);
    dataHash = createHash("sha256").update(readFileSync(req.fromNpz)).digest("hex");
    req.log(
      `${req.fromNpz}: ${dataset.samples.length} faces, ${r.reembedded} embedded again, ${r.lost} lost`,
    );
  } else {
    extraction = await extractDataset(vision, req.peopleDir as string, req.negatives, {
      policy: enrollPolicyFor(calibration),
      augmentations: req.augmentations,
      maskedCopies: req.maskedCopies,
      seed: req.seed,
      onPhoto: () => {
        if (req.shouldStop()) throw new TrainingError("interrupted; the active model is unchanged");
      },
    });
    dataset = extraction.dataset;
    people = extraction.people;
    dataHash = extraction.dataHash;
    for (const p of extraction.perPerson)
      req.log(`${p.name}: ${p.used}/${p.photos} photos used, +${p.augmented} augmented, +${p.masked} masked`);
    for (const s of extraction.skipped) req.log(`  skipped ${s.file}: ${s.reason}`);
  }
  if (req.exportNpz) {
    writeDatasetNpz(req.exportNpz, dataset);
    req.log(`wrote ${req.exportNpz} (${dataset.samples.length} faces)`);
  }
  const full = calibration ? calibratedThreshold(calibration, "full", people.length) : null;
  const galleryThresholds =
    calibration && full !== null
      ? { full, upper: calibratedThreshold(calibration, "upper", people.length) ?? full }
      : null;
  const result = await trainAndStore(dataset, people, {
    store: req.store,
    seed: req.seed,
    valFraction: req.valSplit,
    head: { ...DEFAULT_HEAD_OPTIONS, maxEpochs: req.maxEpochs },
    unknownClass: req.unknownClass,
    galleryThresholds,
    facegateVersion: packageVersion(),
    detectorId: vision.detectorId,
    dataHash,
    activate: req.activate,
    refuseIfWorseBy: req.refuseIfWorseBy,
    shouldStop: req.shouldStop,
    report: {
      per_person: extraction?.perPerson ?? null,
      skipped: extraction?.skipped ?? [],
      negatives: extraction?.negatives ?? null,
      synthetic_masks: req.maskedCopies > 0 ? "drawn" : "none (--masked-copies 0)",
      from_npz: req.fromNpz ?? null,
    },
  });
  return { ...result, samples: dataset.samples.length };
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string })
      .version;
  } catch {
    return "unknown";
  }
}
