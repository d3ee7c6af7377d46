import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ManifestRow } from "../src/evaluation/manifest.ts";
import { type PlannedVisit, plannedFace, planVisits, visitSizes } from "../src/evaluation/visit-plan.ts";
import { type ObservedDecision, scoreVisits, summarize } from "../src/evaluation/visit-score.ts";

/** A manifest in the lfw-dev layout: probes with masked twins, strangers with masked twins. */
function manifest(): ManifestRow[] {
  const rows: ManifestRow[] = [];
  const add = (identity: string, n: number, role: ManifestRow["role"]) => {
    for (let i = 1; i <= n; i++) {
      const stem = `${identity}_${String(i).padStart(4, "0")}`;
      rows.push({ identity, path: `/d/images/${identity}/${stem}.jpg`, role, masked: false, template: "" });
      rows.push({
        identity,
        path: `/d/masked/${identity}/${stem}__cloth.jpg`,
        role,
        masked: true,
        template: "cloth",
      });
    }
  };
  add("ann", 7, "probe");
  add("bob", 3, "probe");
  add("cid", 2, "probe"); // too few photos for a visit
  for (let i = 0; i < 10; i++) add(`s${i}`, 1, "unknown");
  return rows;
}

describe("visit plan", () => {
  test("probes are cut into visits of 3–5 photos", () => {
    assert.deepEqual([2, 3, 4, 5, 6, 7, 8, 9, 11].map(visitSizes), [
      [],
      [3],
      [4],
      [5],
      [3, 3],
      [4, 3],
      [4, 4],
      [4, 5],
      [5, 3, 3],
    ]);
  });

  test("every enrolled person's photos, masked and unmasked, and every stranger twice, on whole frames", () => {
    const plan = planVisits(manifest(), { cameras: 2, seed: 3, queuedShare: 0.5 });
    const of = (kind: string, masked: boolean) =>
      plan.visits.filter((v) => v.kind === kind && v.masked === masked);
    assert.equal(of("enrolled", false).length, 3, "ann 4 + 3, bob 3; cid has too few");
    assert.equal(of("enrolled", true).length, 3);
    assert.equal(of("stranger", false).length, 10);
    assert.equal(of("stranger", true).length, 10);
    for (const v of of("enrolled", true)) assert.ok(v.photos.every((p) => p.includes("__cloth")));
    assert.ok(plan.visits.some((v) => v.queued) && plan.visits.some((v) => !v.queued));
    for (let c = 0; c < 2; c++) {
      const shots = plan.cameras[c];
      const visits = plan.visits.filter((v) => v.camera === c).sort((a, b) => a.startS - b.startS);
      let t = 0;
      for (const shot of shots) {
        assert.ok(
          Math.abs(shot.seconds * 10 - Math.round(shot.seconds * 10)) < 1e-9,
          "whole frames at 10 fps",
        );
        t += shot.seconds;
      }
      assert.ok(Math.abs(t - (visits.at(-1)?.endS ?? 0) - 1.5) < 1e-6, "an empty doorway at the end");
      for (let i = 1; i < visits.length; i++) {
        const gap = visits[i].startS - visits[i - 1].endS;
        assert.ok(Math.abs(gap - (visits[i].queued ? 0 : 1.5)) < 1e-6);
        if (visits[i].queued) assert.notEqual(visits[i].identity, visits[i - 1].identity);
      }
      // a square photo whose subject's face is centred, 0.4 of its height wide
      const geometry = () => ({ aspect: 1, face: [0.5, 0.5, 0.4] as const });
      for (const v of visits) {
        const face = plannedFace(shots, (v.startS + v.endS) / 2, geometry);
        assert.ok(face && face.width >= 60 && face.width <= 200, `face ${face?.width} px`);
        assert.ok(face.cx > 0.3 * 640 && face.cx < 0.7 * 640 && face.cy > 0.4 * 480 && face.cy < 0.6 * 480);
      }
      assert.equal(plannedFace(shots, 0.5, geometry), null, "the doorway is empty before the first visit");
    }
    assert.deepEqual(planVisits(manifest(), { cameras: 2, seed: 3, queuedShare: 0.5 }), plan, "seeded");
  });
});

describe("visit scores", () => {
  const visit = (id: number, kind: PlannedVisit["kind"], identity: string, startS: number, endS: number) =>
    ({
      id,
      identity,
      kind,
      masked: true,
      split: kind === "stranger" ? "B" : null,
      photos: [],
      camera: 0,
      queued: false,
      startS,
      endS,
    }) as PlannedVisit;
  const visits = [
    visit(0, "enrolled", "ann", 1, 6),
    visit(1, "enrolled", "bob", 6, 10), // queued after ann
    visit(2, "stranger", "sue", 11.5, 15),
    visit(3, "enrolled", "cid", 16.5, 20),
  ];
  const T0 = 1_000_000;
  // the visitor's face is 100 px wide around (320, 240); a decision's box is there unless said otherwise
  const d = (
    type: ObservedDecision["type"],
    name: string | null,
    track: string,
    seenS: number,
    atS: number,
    box: ObservedDecision["box"] = [270, 190, 100, 100],
  ): ObservedDecision => ({
    camera: 0,
    type,
    name,
    trackId: track,
    firstSeen: T0 + seenS * 1000,
    timestamp: T0 + atS * 1000,
    box,
    faces: 4,
  });
  const decisions = [
    d("unknown", null, "c-1", 1.2, 2.2),
    d("identified", "ann", "c-1", 1.2, 3.0), // upgraded
    d("unknown", null, "c-9", 2.0, 3.0, [20, 190, 100, 100]), // somebody beside ann: not her visit
    d("unknown", null, "c-10", 2.0, 3.0, [300, 220, 30, 30]), // a small face in front of hers: not her either
    d("identified", "bob", "c-2", 6.4, 6.8),
    d("identified", "ann", "c-3", 7.5, 8.0), // bob's visit split, and misnamed
    d("unknown", null, "c-4", 11.7, 12.5),
    d("identified", "cid", "c-5", 16.8, 17.1),
    d("identified", "cid", "c-6", 21.5, 21.9), // a replay after the video's end
  ];
  const scored = scoreVisits(visits, decisions, [T0], [21], () => ({ cx: 320, cy: 240, width: 100 }));

  test("each decision goes to the visit that had started when its track was first seen; bystanders do not count", () => {
    assert.deepEqual(
      scored.map((s) => [s.visit.identity, s.outcome, s.tracks, s.upgraded]),
      [
        ["ann", "right", 1, true],
        ["bob", "wrong", 2, false],
        ["sue", "right", 1, false],
        ["cid", "right", 1, false],
      ],
    );
    assert.ok(Math.abs((scored[0].nameS as number) - 2) < 1e-9);
    assert.ok(Math.abs((scored[0].firstDecisionS as number) - 1.2) < 1e-9);
    assert.ok(
      Math.abs((scored[1].nameS as number) - 0.8) < 1e-9,
      "bob was named too, but so was somebody else",
    );
  });

  test("summaries count right, wrong, unknown and splits per condition and stranger split", () => {
    const s = summarize(scored);
    assert.deepEqual(
      [s.enrolled.masked.visits, s.enrolled.masked.right, s.enrolled.masked.wrong, s.enrolled.masked.split],
      [3, 2, 1, 1],
    );
    assert.deepEqual(
      [s.strangers.masked.B.visits, s.strangers.masked.B.wrong, s.strangers.masked.A.visits],
      [1, 0, 0],
    );
    assert.equal(s.enrolled.masked.upgraded, 1);
    assert.equal(s.enrolled.masked.nameFaces.p50, 4);
  });
});
