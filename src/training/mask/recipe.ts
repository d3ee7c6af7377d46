import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type MaskModelJson, MlpMaskClassifier } from "../../vision/mask/mlp-classifier.ts";
import { hash01, mulberry32 } from "../../vision/mask/rng.ts";
import type { FaceRecord } from "./extract.ts";
import { type MlpTrainOptions, type Sample, trainMlp } from "./train-mlp.ts";

/**
 * The v2 recipe, on the records the extract stage cached. Splits (fixed, by name):
 *   TRAIN   lfw-dev enroll + deepface + bbt faces, plain and with synthetic masks; rwmfd-dev EVEN groups.
 *   DEV     a part of TRAIN held out to choose the threshold and the variant: the identities whose name hash
 *           is < 0.2, and rwmfd-dev groups ≡ 0 (mod 4). The final model is then trained on all of TRAIN.
 *   REPORT  lfw-dev probe + unknown rows and their MaskTheFace copies (evaluation only, never trained on),
 *           rwmfd-dev ODD groups. Nothing is chosen on these.
 */
export function loadRecords(cache: string): { records: FaceRecord[]; missed: Record<string, number> } {
  const records: FaceRecord[] = [];
  const missed: Record<string, number> = {};
  for (const f of readdirSync(cache).filter((n) => n.endsWith(".jsonl"))) {
    for (const line of readFileSync(join(cache, f), "utf8").split("\n")) {
      if (!line) continue;
      const r = JSON.parse(line) as FaceRecord & { missed?: string };
      if (r.missed) missed[r.set] = (missed[r.set] ?? 0) + 1;
      else records.push(r);
    }
  }
  records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { records, missed };
}

const nameHash = (s: string) =>
  hash01(
    [...s].reduce((a, c) => (a * 31 + c.charCodeAt(0)) | 0, 7),
    s.length,
    3,
  );
const rwmfdGroup = (r: FaceRecord) => Number.parseInt(r.group.slice(6), 10);

export const isTrain = (r: FaceRecord) => r.set === "train" || (r.set === "rwmfd" && rwmfdGroup(r) % 2 === 0);
export const isDev = (r: FaceRecord) =>
  r.set === "train" ? nameHash(r.group) < 0.2 : r.set === "rwmfd" && rwmfdGroup(r) % 4 === 0;

export type Inputs = "pixels" | "pixels+embedding";

function sample(r: FaceRecord, inputs: Inputs): Sample {
  const x = inputs === "pixels" ? r.pixels : [...r.pixels, ...r.embedding];
  return { x: Float32Array.from(x), y: r.y };
}

/** Balances the classes by repeating the smaller one: unmasked faces are the scarcer here. */
function balanced(samples: Sample[]): Sample[] {
  const pos = samples.filter((s) => s.y === 1);
  const neg = samples.filter((s) => s.y === 0);
  const [small, big] = pos.length < neg.length ? [pos, neg] : [neg, pos];
  const out = [...big];
  for (let i = 0; i < big.length; i++) out.push(small[i % small.length]);
  return out;
}

export function fit(records: FaceRecord[], inputs: Inputs, opts: MlpTrainOptions, seed: number) {
  const samples = balanced(records.map((r) => sample(r, inputs)));
  return trainMlp(samples, mulberry32(seed), opts);
}

/** Threshold with the best balanced accuracy on dev; ties → nearest 0.5. */
export function chooseThreshold(p: number[], y: number[]): number {
  let best = 0.5;
  let bestScore = -1;
  for (let t = 0.05; t <= 0.951; t += 0.01) {
    let tp = 0;
    let tn = 0;
    let np = 0;
    for (let i = 0; i < p.length; i++) {
      if (y[i]) {
        np++;
        if (p[i] >= t) tp++;
      } else if (p[i] < t) tn++;
    }
    const score = tp / Math.max(1, np) + tn / Math.max(1, p.length - np);
    if (
      score > bestScore + 1e-9 ||
      (Math.abs(score - bestScore) < 1e-9 && Math.abs(t - 0.5) < Math.abs(best - 0.5))
    ) {
      bestScore = score;
      best = Math.round(t * 100) / 100;
    }
  }
  return best;
}

function flags(clf: MlpMaskClassifier, rs: FaceRecord[], inputs: Inputs, t: number): number {
  let ok = 0;
  for (const r of rs) ok += (clf.predictFeatures(sample(r, inputs).x) >= t ? 1 : 0) === r.y ? 1 : 0;
  return ok;
}

/** The REPORT figures of one model: share of faces flagged correctly, per part. */
export function reportLines(
  clf: MlpMaskClassifier,
  records: FaceRecord[],
  inputs: Inputs,
  t: number,
): string[] {
  const lines: string[] = [];
  const part = (name: string, rs: FaceRecord[]) => {
    const ok = flags(clf, rs, inputs, t);
    lines.push(
      `  ${name.padEnd(34)} ${String(ok).padStart(4)}/${String(rs.length).padEnd(4)} ${(ok / Math.max(1, rs.length)).toFixed(4)}`,
    );
  };
  const lfw = records.filter((r) => r.set === "lfw");
  part(
    "lfw-dev unmasked originals",
    lfw.filter((r) => r.y === 0),
  );
  for (const t of ["surgical_blue", "N95", "cloth"])
    part(
      `lfw-dev MaskTheFace ${t}`,
      lfw.filter((r) => r.template === t),
    );
  part("lfw-dev all (both versions)", lfw);
  part(
    "rwmfd-dev odd groups (largest face)",
    records.filter((r) => r.set === "rwmfd" && !isTrain(r)),
  );
  return lines;
}

const OPTS: MlpTrainOptions = { hidden: 16, epochs: 40, learningRate: 0.003, l2: 3e-3, batch: 32 };

export async function trainStage(cache: string, out: string, seed: number): Promise<void> {
  const { records, missed } = loadRecords(cache);
  const train = records.filter(isTrain);
  const count = (rs: FaceRecord[]) =>
    `${rs.filter((r) => r.y === 0).length} unmasked / ${rs.filter((r) => r.y === 1).length} masked`;
  console.log(
    `records: ${records.length} (train ${count(train)}); faces missed by the detector: ${JSON.stringify(missed)}`,
  );
  const dev = train.filter(isDev);
  const fitPart = train.filter((r) => !isDev(r));
  console.log(`dev split: fit on ${count(fitPart)}, choose on ${count(dev)}`);
  let chosen: { inputs: Inputs; threshold: number; score: number } | null = null;
  for (const inputs of ["pixels", "pixels+embedding"] as const) {
    const probe = new MlpMaskClassifier({
      id: "probe",
      embedding: inputs === "pixels" ? 0 : 512,
      ...fit(fitPart, inputs, OPTS, seed + 1),
    });
    const p = dev.map((r) => probe.predictFeatures(sample(r, inputs).x));
    const threshold = chooseThreshold(
      p,
      dev.map((r) => r.y),
    );
    const devMasked = dev.filter((r) => r.y === 1);
    const devPlain = dev.filter((r) => r.y === 0);
    const score =
      (flags(probe, devMasked, inputs, threshold) / devMasked.length +
        flags(probe, devPlain, inputs, threshold) / devPlain.length) /
      2;
    console.log(`${inputs}: dev balanced accuracy ${score.toFixed(4)} at threshold ${threshold}`);
    if (!chosen || score > chosen.score) chosen = { inputs, threshold, score };
  }
  if (!chosen) return;
  console.log(`chosen on dev: ${chosen.inputs}, threshold ${chosen.threshold}`);
  const model: MaskModelJson = {
    id: "mask-v3",
    recipe:
      `inputs ${chosen.inputs} (pixel features of the eye-aligned face, whole-face embedding); MLP ${OPTS.hidden} tanh; data: lfw-dev enroll + deepface + bbt faces plain and with synthetic masks (src/vision/mask/synthetic.ts), rwmfd-dev even groups; ` +
      `threshold ${chosen.threshold} chosen on the dev split (held-out identities, rwmfd groups ≡ 0 mod 4); seed ${seed}`,
    embedding: chosen.inputs === "pixels" ? 0 : 512,
    threshold: chosen.threshold,
    ...fit(train, chosen.inputs, OPTS, seed + 2),
  };
  writeFileSync(out, `${JSON.stringify(model)}\n`);
  console.log(`wrote ${out}`);
  const clf = new MlpMaskClassifier(model);
  console.log(`REPORT (never trained or chosen on), threshold ${chosen.threshold}:`);
  for (const l of reportLines(clf, records, chosen.inputs, chosen.threshold)) console.log(l);
}
