import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type * as tf from "@tensorflow/tfjs";
import { Gallery, type Person } from "../recognition/gallery.ts";
import { serializeGallery } from "../recognition/gallery-file.ts";
import { cosine } from "../recognition/matcher.ts";
import {
  activateVersion,
  GALLERY_FILE,
  HEAD_DIR,
  METADATA_FILE,
  REPORT_DIR,
  readActiveMetadata,
  readPointer,
  stageVersion,
  type VersionMetadata,
  versionDir as versionDirOf,
} from "../recognition/model-store.ts";
import { decideOpenSet, type OpenSetThresholds, UNKNOWN_CLASS } from "../recognition/open-set.ts";
import { writeFileAtomic } from "../system/write-atomic.ts";
import { initTfjsBackend } from "../vision/tfjs/backend.ts";
import { fileSystemSaver } from "../vision/tfjs/fs-io.ts";
import { type FaceDataset, type FaceSample, NEGATIVE } from "./dataset.ts";
import { TrainingError } from "./errors.ts";
import { type EpochLog, type HeadOptions, predictProbabilities, trainHead } from "./head.ts";
import { galleryThresholdFromData, meanTemplates, softmaxThreshold } from "./open-set-thresholds.ts";
import { confusionSvg, curvesSvg, svgToPng } from "./plots.ts";
import { seededRng } from "./rng.ts";
import { splitByPhoto } from "./split.ts";

export interface TrainRunOptions {
  store: string;
  seed: number;
  valFraction: number;
  head: Omit<HeadOptions, "seed">;
  /** Train negatives as an extra "unknown" class (otherwise they only calibrate the rejection thresholds). */
  unknownClass: boolean;
  /** Product-calibrated gallery thresholds for this embedder, when they exist; else estimated from the data. */
  galleryThresholds?: { full: number; upper: number } | null;
  facegateVersion: string;
  detectorId: string;
  dataHash: string;
  /** Activate the new version (default true). */
  activate: boolean;
  /** Refuse activation when the validation accuracy is below the active version's by more than this. */
  refuseIfWorseBy: number | null;
  /** Extra report fields (skipped photos, per-person counts) written to report.json. */
  report?: Record<string, unknown>;
  shouldStop?: () => boolean;
  onEpoch?: (e: EpochLog) => void;
}

export interface TrainRunResult {
  version: string;
  activated: boolean;
  /** Set when activation was refused as worse than the active version. */
  refused: { active: string; activeValAccuracy: number | null; valAccuracy: number | null } | null;
  metadata: VersionMetadata;
  versionDir: string;
}

interface Prepared {
  classes: string[];
  train: FaceSample[];
  val: FaceSample[];
  classOf: (s: FaceSample) => number;
}

function prepare(ds: FaceDataset, opts: TrainRunOptions): Prepared {
  const hasNegatives = ds.samples.some((s) => s.label === NEGATIVE);
  const useUnknown = opts.unknownClass && hasNegatives;
  const classes = useUnknown ? [...ds.names, UNKNOWN_CLASS] : [...ds.names];
  const classOf = (s: FaceSample) => (s.label === NEGATIVE ? ds.names.length : s.label);
  const split = splitByPhoto(ds.samples, opts.valFraction, seededRng(opts.seed ^ 0x5eed));
  // Without the unknown class, negatives never train the head: they only calibrate its rejection.
  const train = useUnknown ? split.train : split.train.filter((s) => s.label !== NEGATIVE);
  const val = useUnknown
    ? split.val
    : [...split.val, ...split.train.filter((s) => s.label === NEGATIVE && !s.augmented)];
  return { classes, train, val, classOf };
}

/** Trains the head on a dataset, writes a complete version into the store and (normally) activates it. */
export async function trainAndStore(
  ds: FaceDataset,
  people: Person[],
  opts: TrainRunOptions,
): Promise<TrainRunResult> {
  await initTfjsBackend();
  const known = ds.samples.filter((s) => s.label !== NEGATIVE);
  if (new Set(known.map((s) => s.label)).size < 2)
    throw new TrainingError("need faces of at least two people");
  const active = activeToBeat(opts);
  const { classes, train, val, classOf } = prepare(ds, opts);
  // Staged before training: a kill -9 at any point leaves only this folder, which the next run removes.
  const staging = stageVersion(opts.store);
  let trained: Awaited<ReturnType<typeof trainHead>> | null = null;
  try {
    trained = await trainHead(
      { x: train.map((s) => s.embedding), y: train.map(classOf) },
      {
        x: val.filter((s) => classOf(s) < classes.length).map((s) => s.embedding),
        y: val.filter((s) => classOf(s) < classes.length).map(classOf),
      },
      classes.length,
      { ...opts.head, seed: opts.seed, shouldStop: opts.shouldStop, onEpoch: opts.onEpoch },
      seededRng(opts.seed ^ 0xbeef),
    );
    if (opts.shouldStop?.()) throw new TrainingError("training interrupted; the active model is unchanged");
    const evaluation = evaluate(trained.model, ds, people, classes, val, opts);
    const gallery = new Gallery(ds.embedderId, ds.dim);
    for (const p of people) gallery.put(p);
    writeFileAtomic(join(staging.dir, GALLERY_FILE), serializeGallery(gallery));
    await trained.model.save(fileSystemSaver(join(staging.dir, HEAD_DIR)));
    const last = trained.history[trained.history.length - 1];
    const best = trained.history[trained.bestEpoch - 1] ?? last;
    const metadata: VersionMetadata = {
      format: "facegate-model",
      version: "",
      created: new Date().toISOString(),
      facegate_version: opts.facegateVersion,
      embedder: ds.embedderId,
      detector: opts.detectorId,
      data_hash: opts.dataHash,
      seed: opts.seed,
      classes,
      people: ds.names.filter((n) => people.some((p) => p.name === n)),
      thresholds: evaluation.thresholds,
      metrics: {
        val_accuracy: evaluation.valAccuracy,
        val_loss: evaluation.valKnown > 0 ? best.valLoss : null,
        train_accuracy: best.acc,
        best_epoch: trained.bestEpoch,
        epochs_run: trained.history.length,
        train_samples: train.length,
        val_samples: val.length,
      },
      open_set: evaluation.openSet,
    };
    const reportDir = join(staging.dir, REPORT_DIR);
    mkdirSync(reportDir, { recursive: true, mode: 0o700 });
    writeFileAtomic(
      join(reportDir, "report.json"),
      `${JSON.stringify({ ...opts.report, metrics: metadata.metrics, thresholds: metadata.thresholds, open_set: evaluation.openSet, confusion: evaluation.confusion, history: trained.history }, null, 2)}\n`,
    );
    writeFileAtomic(
      join(reportDir, "confusion.png"),
      await svgToPng(
        confusionSvg(
          evaluation.confusion.labels,
          evaluation.confusion.predicted,
          evaluation.confusion.matrix,
        ),
      ),
    );
    writeFileAtomic(
      join(reportDir, "curves.png"),
      await svgToPng(curvesSvg(trained.history, trained.bestEpoch)),
    );
    writeFileAtomic(join(staging.dir, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
    const version = staging.commit();
    metadata.version = version;
    const versionDir = versionDirOf(opts.store, version);
    writeFileAtomic(join(versionDir, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);

    let refused: TrainRunResult["refused"] = null;
    if (opts.refuseIfWorseBy !== null && active && active.metrics.val_accuracy !== null) {
      const now = metadata.metrics.val_accuracy ?? 0;
      if (now < active.metrics.val_accuracy - opts.refuseIfWorseBy)
        refused = {
          active: readPointer(opts.store)?.version ?? active.version,
          activeValAccuracy: active.metrics.val_accuracy,
          valAccuracy: metadata.metrics.val_accuracy,
        };
    }
    const activated = opts.activate && !refused;
    if (activated) activateVersion(opts.store, version);
    return { version, activated, refused, metadata, versionDir };
  } catch (err) {
    staging.abort();
    throw err;
  } finally {
    trained?.model.dispose();
  }
}

/**
 * The active version that `--require-better` compares with (null: nothing active, nothing to beat). A store that
 * cannot say (damaged pointer or metadata) is an error before any training: silently treating it as "nothing
 * to beat" would turn the safeguard off exactly when something is wrong.
 */
function activeToBeat(opts: TrainRunOptions): VersionMetadata | null {
  if (opts.refuseIfWorseBy === null) return null;
  let active: VersionMetadata | null;
  try {
    active = readActiveMetadata(opts.store);
  } catch (err) {
    throw new TrainingError(
      `cannot compare with the active model (${(err as Error).message}); repair the store (facegate rollback) or train with --force`,
    );
  }
  const accuracy = active?.metrics?.val_accuracy;
  if (active && accuracy !== null && typeof accuracy !== "number")
    throw new TrainingError(
      `cannot compare with the active model: its metadata has no validation accuracy; repair the store (facegate rollback) or train with --force`,
    );
  return active;
}

interface Evaluation {
  valAccuracy: number | null;
  valKnown: number;
  thresholds: VersionMetadata["thresholds"];
  confusion: { labels: string[]; predicted: string[]; matrix: number[][] };
  openSet: Record<string, number | null>;
}

function evaluate(
  model: tf.LayersModel,
  ds: FaceDataset,
  people: Person[],
  classes: string[],
  val: FaceSample[],
  opts: TrainRunOptions,
): Evaluation {
  const templates = meanTemplates(people, ds.dim);
  const dataFull = galleryThresholdFromData(ds.samples, ds.names, templates, "full");
  const dataUpper = galleryThresholdFromData(ds.samples, ds.names, templates, "upper");
  const gallery = opts.galleryThresholds ?? { full: dataFull ?? 0.5, upper: dataUpper ?? dataFull ?? 0.5 };
  const probs = predictProbabilities(
    model,
    val.map((s) => s.embedding),
  );
  const top = (p: Float32Array) => p.reduce((b, v, i) => (v > p[b] ? i : b), 0);
  const knownIdx = val.map((s, i) => (s.label !== NEGATIVE ? i : -1)).filter((i) => i >= 0);
  const negIdx = val.map((s, i) => (s.label === NEGATIVE ? i : -1)).filter((i) => i >= 0);
  const softmax = softmaxThreshold(
    knownIdx.map((i) => ({ correct: top(probs[i]) === val[i].label, probability: probs[i][top(probs[i])] })),
    negIdx.map((i) => ({
      probability: probs[i][top(probs[i])],
      person: classes[top(probs[i])] !== UNKNOWN_CLASS,
    })),
  );
  const thresholds: OpenSetThresholds = { softmax, gallery };
  const decide = (i: number) =>
    decideOpenSet(
      probs[i],
      classes,
      (name) => {
        const t = templates.get(name)?.full;
        return t ? cosine(val[i].embedding, t) : -1;
      },
      thresholds,
    );
  const correct = knownIdx.filter((i) => top(probs[i]) === val[i].label).length;
  const namedRight = knownIdx.filter((i) => decide(i).name === ds.names[val[i].label]).length;
  const namedWrong = knownIdx.filter((i) => {
    const n = decide(i).name;
    return n !== null && n !== ds.names[val[i].label];
  }).length;
  const negNamed = negIdx.filter((i) => decide(i).name !== null).length;
  // Confusion over the open-set decision: columns are the people plus "unknown" (rejected).
  const labels = [...ds.names, ...(negIdx.length ? ["(negatives)"] : [])];
  const predicted = [...ds.names, "unknown"];
  const matrix = labels.map(() => new Array<number>(predicted.length).fill(0));
  val.forEach((s, i) => {
    const row = s.label === NEGATIVE ? ds.names.length : s.label;
    const name = decide(i).name;
    matrix[row][name === null ? ds.names.length : ds.names.indexOf(name)]++;
  });
  const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(4)) : null);
  return {
    valAccuracy: ratio(correct, knownIdx.length),
    valKnown: knownIdx.length,
    thresholds: {
      softmax,
      gallery,
      gallery_source: opts.galleryThresholds ? "product calibration" : "estimated from the training photos",
    },
    confusion: { labels, predicted, matrix },
    openSet: {
      val_known: knownIdx.length,
      val_known_named_correctly: ratio(namedRight, knownIdx.length),
      val_known_named_wrongly: ratio(namedWrong, knownIdx.length),
      val_negatives: negIdx.length,
      val_negatives_named: ratio(negNamed, negIdx.length),
    },
  };
}
