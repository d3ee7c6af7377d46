import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CachedAnalysis } from "../src/evaluation/analysis-cache.ts";
import type { RowOutcome } from "../src/evaluation/identify-rows.ts";
import type { ManifestRow } from "../src/evaluation/manifest.ts";
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
import { Gallery } from "../src/recognition/gallery.ts";
import { Matcher } from "../src/recognition/matcher.ts";

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
      setThresholds: { full: 0.3, upper: 0.4 },
      calibration: "test",
      split: "B",
      conditions: [report, conditionReport(rows, "masked", "B").report],
      visits: [
        {
          condition: "unmasked",
          photosPerVisit: 2,
          visits: 4,
          identificationRate: 0.75,
          misidentificationRate: 0,
        },
      ],
    };
    const md = markdownReport(r);
    assert.match(md, /\| lfw-dev, 2 people enrolled \| unmasked \| masked \|/);
    assert.match(md, /\*\*0\.250\*\*/);
    assert.match(md, /33\.3 % \(1\/3\)/);
    assert.match(md, /\| unmasked: 2 photos \| 4 \| \*\*0\.750\*\* \| 0\.000 \|/);
    assert.match(md, /visit sets: full 0\.3000, upper 0\.4000/);
  });
});

describe("per-visit set", () => {
  const DIM = 3;
  const vec = (...v: number[]) => {
    const n = Math.hypot(...v);
    return Float32Array.from(v, (x) => x / n);
  };
  const gallery = new Gallery("e", DIM);
  for (const [name, v] of [
    ["ann", vec(1, 0, 0)],
    ["bob", vec(0, 1, 0)],
  ] as const)
    gallery.put({
      name,
      enrolledAt: "",
      templates: [{ space: "full", vector: v, source: name, masked: false }],
    });
  const matcher = new Matcher(gallery, { full: 0.7, upper: 0.7 });
  const analyses = new Map<string, CachedAnalysis>();
  const rows: ManifestRow[] = [];
  const photo = (identity: string, path: string, embedding: Float32Array) => {
    rows.push({ identity, path, role: "probe", masked: false, template: "" });
    analyses.set(path, {
      faces: [
        {
          box: [0, 0, 100, 100],
          landmarks: [
            [0, 0],
            [0, 0],
            [0, 0],
            [0, 0],
            [0, 0],
          ],
          detectorScore: 0.9,
          embedding,
          masked: false,
          maskProbability: 0,
          faceSize: 100,
          sharpness: 50,
        },
      ],
    });
  };
  test("several photos decide as one set: views under the threshold add up; a set of strangers stays unnamed", () => {
    // each of Ann's photos scores 0.66 alone (under 0.7, but she is its best candidate); they lean three ways
    // around her template, so their mean points right at it
    const around = (deg: number) => {
      const r = Math.sqrt(1 - 0.66 ** 2);
      return vec(0.66, r * Math.cos((deg * Math.PI) / 180), r * Math.sin((deg * Math.PI) / 180));
    };
    photo("ann", "a1", around(90));
    photo("ann", "a2", around(210));
    photo("ann", "a3", around(330));
    // Bob's three photos are a stranger's: far from both
    photo("bob", "b1", vec(0.1, 0.2, 1));
    photo("bob", "b2", vec(0.2, 0.1, 1));
    photo("bob", "b3", vec(0.1, 0.1, 1));
    photo("bob", "b4", vec(0, 1, 0));
    const v = visitReport(rows, analyses, matcher, "unmasked", 3);
    assert.equal(v.visits, 2, "bob's fourth photo does not make a visit");
    assert.equal(v.identificationRate, 0.5);
    assert.equal(v.misidentificationRate, 0);
    for (const p of ["a1", "a2", "a3"]) {
      const a = analyses.get(p) as { faces: { embedding: Float32Array }[] };
      assert.equal(matcher.match(a.faces[0] as never).name, null, `${p} alone is not named`);
    }
  });
});
