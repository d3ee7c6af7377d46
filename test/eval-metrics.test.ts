import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RowOutcome } from "../src/evaluation/identify-rows.ts";
import { markdownReport } from "../src/evaluation/markdown.ts";
import { countPairs, openSetCurve, rate, tarAtFar } from "../src/evaluation/metrics.ts";
import {
  conditionReport,
  decisionCounts,
  type EvalReport,
  NOBODY,
  STRANGER,
} from "../src/evaluation/report.ts";
import { splitOf } from "../src/evaluation/split.ts";
import { visitReport } from "../src/evaluation/visits.ts";

describe("tarAtFar", () => {
  // 4 probes: right with scores .9 .7 .5, one wrong candidate at .95; one probe without a face.
  const probes = [
    { correct: true, score: 0.9 },
    { correct: true, score: 0.7 },
    { correct: true, score: 0.5 },
    { correct: false, score: 0.95 },
    { correct: true, score: null },
  ];
  // 10 strangers, one without a face.
  const strangers = [0.8, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05, 0.0, -0.1, null];

  test("FAR 0 keeps every stranger out: threshold is the highest stranger", () => {
    assert.equal(tarAtFar(probes, strangers, 0), 1 / 5); // only .9 > .8
  });
  test("FAR 10 % lets one stranger through: threshold is the second highest", () => {
    assert.equal(tarAtFar(probes, strangers, 0.1), 2 / 5); // .9, .7 > .6
  });
  test("FAR 25 % → k = 2, threshold .4", () => {
    assert.equal(tarAtFar(probes, strangers, 0.25), 3 / 5);
  });
  test("FAR 100 % names every right candidate that has a face", () => {
    assert.equal(tarAtFar(probes, strangers, 1), 3 / 5);
  });
  test("no strangers at all", () => {
    assert.equal(tarAtFar(probes, [], 0.01), 3 / 5);
  });
});

test("openSetCurve steps through every distinct score, ties as one threshold", () => {
  const probes = [
    { correct: true, score: 0.9 },
    { correct: false, score: 0.8 },
    { correct: true, score: 0.5 },
    { correct: true, score: null },
  ];
  const strangers = [0.7, 0.5, 0.1, null];
  const c = openSetCurve(probes, strangers);
  assert.deepEqual(
    c.map((p) => [p.threshold, p.far, p.tar]),
    [
      [Number.POSITIVE_INFINITY, 0, 0],
      [0.9, 0, 0.25],
      [0.8, 0, 0.25],
      [0.7, 0.25, 0.25],
      [0.5, 0.5, 0.5],
      [0.1, 0.75, 0.5],
    ],
  );
});

test("rate and countPairs", () => {
  assert.equal(rate(1, 4), 0.25);
  assert.equal(rate(3, 0), 0);
  const m = countPairs([
    ["a", "a"],
    ["a", "b"],
    ["a", "a"],
  ]);
  assert.equal(m.get("a")?.get("a"), 2);
  assert.equal(m.get("a")?.get("b"), 1);
});

test("splitOf is stable and roughly halves the names", () => {
  assert.equal(splitOf("Aaron_Eckhart"), splitOf("Aaron_Eckhart"));
  const names = Array.from({ length: 400 }, (_, i) => `person_${i}`);
  const a = names.filter((n) => splitOf(n) === "A").length;
  assert.ok(a > 150 && a < 250, `split A holds ${a} of 400`);
});

function outcome(o: Partial<RowOutcome> & Pick<RowOutcome, "identity" | "role">): RowOutcome {
  return {
    path: `${o.identity}.jpg`,
    masked: false,
    template: "",
    split: o.role === "unknown" ? splitOf(o.identity) : null,
    detected: true,
    flaggedMasked: false,
    name: null,
    candidate: null,
    score: 0.5,
    margin: 0,
    space: "full",
    ...o,
  };
}

describe("conditionReport", () => {
  // Names whose split is known, so the A/B counts are exact.
  const strangerNames = Array.from({ length: 40 }, (_, i) => `stranger_${i}`);
  const inA = strangerNames.filter((n) => splitOf(n) === "A").slice(0, 2);
  const inB = strangerNames.filter((n) => splitOf(n) === "B").slice(0, 3);
  const rows: RowOutcome[] = [
    outcome({ identity: "ann", role: "probe", name: "ann", candidate: "ann", margin: 0.2 }),
    outcome({ identity: "ann", role: "probe", name: null, candidate: "ann", margin: -0.1 }),
    outcome({ identity: "bob", role: "probe", name: "ann", candidate: "ann", margin: 0.05 }),
    outcome({
      identity: "bob",
      role: "probe",
      detected: false,
      flaggedMasked: null,
      score: null,
      margin: null,
      space: null,
    }),
    outcome({ identity: inA[0], role: "unknown", name: "ann", candidate: "ann", margin: 0.01 }),
    outcome({ identity: inA[1], role: "unknown", candidate: "bob", margin: -0.3, flaggedMasked: true }),
    outcome({ identity: inB[0], role: "unknown", candidate: "bob", margin: -0.2 }),
    outcome({ identity: inB[1], role: "unknown", candidate: "bob", margin: -0.25 }),
    outcome({ identity: inB[2], role: "unknown", name: "bob", candidate: "bob", margin: 0.1 }),
    // a masked row must not count in the unmasked report
    outcome({ identity: "ann", role: "probe", masked: true, name: "ann", candidate: "ann" }),
  ];
  const { report, curve } = conditionReport(rows, "unmasked", "B");

  test("identification, misidentification and rank-1 over all probes", () => {
    assert.equal(report.probes, 4);
    assert.equal(report.identificationRate, 1 / 4);
    assert.equal(report.misidentificationRate, 1 / 4);
    assert.equal(report.rank1, 2 / 4);
    assert.deepEqual(report.detectionFailures, { probes: 1, strangers: 0 });
  });
  test("false accepts per split", () => {
    assert.deepEqual(report.falseAccepts.A, { strangers: 2, named: 1, rate: 0.5 });
    assert.deepEqual(report.falseAccepts.B, { strangers: 3, named: 1, rate: 1 / 3 });
    assert.deepEqual(report.falseAccepts.all, { strangers: 5, named: 2, rate: 0.4 });
  });
  test("TAR at FAR on the chosen split's margins", () => {
    // split B margins .1, -.2, -.25: at FAR 0 the threshold is .1; ann's .2 passes.
    assert.equal(report.tarAtFar["0.001"], 1 / 4);
    assert.equal(report.tarAtFar["0.01"], 1 / 4);
    assert.equal(curve.at(-1)?.far, 1);
  });
  test("mask flag accuracy over rows with a face", () => {
    assert.deepEqual(report.maskFlag, { rows: 8, correct: 7, accuracy: 7 / 8 });
  });
  test("decisionCounts labels strangers and nobody", () => {
    const counts = decisionCounts(rows, "unmasked", "B");
    assert.deepEqual(counts[0], { truth: STRANGER, decided: NOBODY, count: 2 });
    assert.ok(counts.some((c) => c.truth === "bob" && c.decided === "ann" && c.count === 1));
    assert.ok(!counts.some((c) => c.truth === STRANGER && c.count === 1 && c.decided === "ann"));
  });
  test("markdown table has a column per condition", () => {
    const r: EvalReport = {
      manifest: "m.tsv",
      embedder: "e",
      detector: "d",
      maskClassifier: null,
      upperProjection: null,
      gallerySize: 2,
      notEnrolled: [],
      enrollPhotosRejected: 0,
      thresholds: { full: 0.3, upper: 0.35 },
      calibration: "test",
      split: "B",
      conditions: [report, conditionReport(rows, "masked", "B").report],
      visits: [visitReport(rows, "unmasked", 2, 1)],
    };
    const md = markdownReport(r);
    assert.match(md, /\| lfw-dev, 2 people enrolled \| unmasked \| masked \|/);
    assert.match(md, /\*\*0\.250\*\*/);
    assert.match(md, /33\.3 % \(1\/3\)/);
    assert.match(md, /\| unmasked: 2 photos, ≥ 1 agreeing \|/);
  });
});

describe("per-visit vote", () => {
  const probe = (identity: string, path: string, name: string | null, score: number): RowOutcome => ({
    identity,
    path,
    role: "probe",
    masked: true,
    template: "t",
    split: null,
    detected: true,
    flaggedMasked: true,
    name,
    candidate: name ?? identity,
    score,
    margin: 0,
    space: "upper",
  });
  test("two of three photos agreeing decide the visit; a lone wrong name does not", () => {
    const rows = [
      probe("ann", "a1", "ann", 0.7),
      probe("ann", "a2", null, 0.5),
      probe("ann", "a3", "ann", 0.66),
      probe("bob", "b1", "ann", 0.62),
      probe("bob", "b2", null, 0.4),
      probe("bob", "b3", null, 0.45),
      probe("bob", "b4", "bob", 0.9),
    ];
    const v = visitReport(rows, "masked", 3, 2);
    assert.equal(v.visits, 2, "bob's fourth photo does not make a visit");
    assert.equal(v.identificationRate, 0.5);
    assert.equal(v.misidentificationRate, 0);
  });
});
