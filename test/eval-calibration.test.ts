import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  AnalysisCache,
  type AnalysisCacheKey,
  type CachedAnalysis,
} from "../src/evaluation/analysis-cache.ts";
import { calibrate, impostorScores, TARGET_FALSE_ACCEPT } from "../src/evaluation/calibrate.ts";
import { buildEvalGallery, enrollPolicyFor } from "../src/evaluation/eval-gallery.ts";
import type { ManifestRow } from "../src/evaluation/manifest.ts";
import { splitOf } from "../src/evaluation/split.ts";
import {
  type Calibration,
  loadCalibration,
  perComparisonRate,
  tailFromScores,
  thresholdFor,
} from "../src/recognition/calibration.ts";
import type { FaceAnalysis } from "../src/vision/analyzer.ts";

const dir = mkdtempSync(join(tmpdir(), "facegate-eval-cal-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("impostor tail round trip: written, read back, thresholds at the right quantiles", () => {
  // 10,000 evenly spread scores in [0, 1): the score exceeded by a share p is 1 − p.
  const scores = Array.from({ length: 10_000 }, (_, i) => i / 10_000);
  const cal: Calibration = {
    embedder: "emb-1",
    targetFalseAccept: 0.01,
    spaces: { full: tailFromScores(scores), upper: tailFromScores(scores.map((s) => s * 0.5)) },
    provenance: "synthetic",
  };
  const path = join(dir, "calibration.json");
  writeFileSync(path, JSON.stringify(cal));
  const back = loadCalibration(path);
  assert.deepEqual(back, cal);
  const one = thresholdFor(back as Calibration, "full", 1) ?? Number.NaN;
  assert.ok(Math.abs(one - 0.99) < 0.002, `1 person: ${one}`);
  const p = perComparisonRate(0.01, 50);
  const fifty = thresholdFor(back as Calibration, "full", 50) ?? Number.NaN;
  assert.ok(Math.abs(fifty - (1 - p)) < 0.002, `50 people: ${fifty} vs ${1 - p}`);
  const upper = thresholdFor(back as Calibration, "upper", 1) ?? Number.NaN;
  assert.ok(Math.abs(upper - 0.495) < 0.002, `upper: ${upper}`);
});

// Synthetic faces: unit vectors in 8 dimensions, person k along axis k, strangers along mixtures.
const DIM = 8;
function unit(values: number[]): Float32Array {
  const v = Float32Array.from(values);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
function face(v: Float32Array, masked = false): FaceAnalysis {
  return {
    box: [0, 0, 100, 100],
    landmarks: [
      [30, 40],
      [70, 40],
      [50, 55],
      [35, 75],
      [65, 75],
    ],
    detectorScore: 0.9,
    embedding: v,
    upperEmbedding: v.map((x) => x * 1),
    masked,
    maskProbability: masked ? 0.9 : 0.1,
    faceSize: 100,
    sharpness: 100,
  };
}
const axis = (k: number, noise = 0) => unit(Array.from({ length: DIM }, (_, i) => (i === k ? 1 : noise)));

function syntheticSet(): { rows: ManifestRow[]; analyses: Map<string, CachedAnalysis> } {
  const rows: ManifestRow[] = [];
  const analyses = new Map<string, CachedAnalysis>();
  const add = (identity: string, role: ManifestRow["role"], v: Float32Array | null, masked = false) => {
    const path = `/x/${identity}/${rows.length}.jpg`;
    rows.push({ identity, path, role, masked, template: masked ? "cloth" : "" });
    analyses.set(path, v ? { faces: [face(v)] } : { faces: [] });
  };
  for (const k of [0, 1, 2]) {
    for (let i = 0; i < 3; i++) add(`p${k}`, "enroll", axis(k, 0.01 * i));
    add(`p${k}`, "probe", axis(k, 0.05));
    add(`p${k}`, "probe", axis(k, 0.08)); // two probes of one person: a visit set
    add(`p${k}`, "probe", axis(k, 0.05), true); // masked copies never calibrate
  }
  const names = Array.from({ length: 20 }, (_, i) => `s${i}`);
  for (const n of names) add(n, "unknown", axis(3 + (Number(n.slice(1)) % 5), 0.1));
  add("s_noface", "unknown", null);
  return { rows, analyses };
}

test("impostor comparisons: split A strangers against everyone, probes against others, unmasked only", () => {
  const { rows, analyses } = syntheticSet();
  const { gallery } = buildEvalGallery(rows, analyses, "emb", DIM, enrollPolicyFor(null));
  assert.equal(gallery.people.size, 3);
  const imp = impostorScores(rows, analyses, gallery);
  const strangersA = rows.filter(
    (r) => r.role === "unknown" && r.identity !== "s_noface" && splitOf(r.identity) === "A",
  );
  assert.equal(imp.strangerPhotos, strangersA.length);
  assert.equal(imp.probePhotos, 6);
  assert.equal(imp.scores.full.length, strangersA.length * 3 + 6 * 2);
  assert.equal(imp.scores.upper.length, imp.scores.full.length);
  // Never a genuine comparison: every impostor score is small for these near-orthogonal people.
  assert.ok(Math.max(...imp.scores.full) < 0.5);
});

test("calibrate() makes a Calibration for the embedder with both spaces and provenance", () => {
  const { rows, analyses } = syntheticSet();
  const out = calibrate(rows, analyses, "emb", DIM, "synthetic.tsv");
  assert.equal(out.calibration.embedder, "emb");
  assert.equal(out.calibration.targetFalseAccept, TARGET_FALSE_ACCEPT);
  assert.ok(out.calibration.spaces.full && out.calibration.spaces.upper);
  assert.ok(out.calibration.sets?.full && out.calibration.sets.upper, "visit sets have tails of their own");
  for (const space of ["full", "upper"] as const)
    for (const n of [1, 20, 100]) {
      const face = thresholdFor(out.calibration, space, n) as number;
      const set = thresholdFor(out.calibration, space, n, TARGET_FALSE_ACCEPT, "set") as number;
      assert.ok(
        set >= face,
        `${space} at ${n}: a set's threshold (${set}) is never below a face's (${face})`,
      );
    }
  assert.match(out.calibration.provenance, /synthetic\.tsv/);
  assert.match(out.calibration.provenance, /split B and the manifest's masked photos were not used/);
  assert.ok(out.passes >= 2);
});

test("analysis cache: round trip, reopen, torn last record ignored, other key starts afresh", () => {
  const key: AnalysisCacheKey = { embedder: "e", detector: "d", maskClassifier: null, analysis: "a" };
  const path = join(dir, "cache.bin");
  const c = AnalysisCache.open(path, key, DIM);
  const f = face(axis(2), true);
  c.put("aa".repeat(32), { faces: [f, { ...f, upperEmbedding: undefined }] });
  c.put("bb".repeat(32), { error: "not an image" });
  c.put("cc".repeat(32), { faces: [] });
  const sizeBefore = statSync(path).size;
  appendFileSync(path, Buffer.alloc(50, 7)); // a torn record
  const back = AnalysisCache.open(path, key, DIM);
  assert.equal(back.size, 3);
  const a = back.get("aa".repeat(32));
  assert.ok(a && "faces" in a);
  assert.deepEqual(a.faces[0].embedding, f.embedding);
  assert.deepEqual(a.faces[0].upperEmbedding, f.upperEmbedding);
  assert.equal(a.faces[0].masked, true);
  assert.deepEqual(a.faces[0].landmarks, f.landmarks);
  assert.equal(a.faces[1].upperEmbedding, undefined);
  assert.ok(Math.abs(a.faces[0].maskProbability - 0.9) < 1e-6);
  assert.deepEqual(back.get("bb".repeat(32)), { error: "not an image" });
  assert.deepEqual(back.get("cc".repeat(32)), { faces: [] });
  truncateSync(path, sizeBefore);
  const other = AnalysisCache.open(path, { ...key, embedder: "e2" }, DIM);
  assert.equal(other.size, 0);
});
