import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { iou } from "../src/tracking/box-geometry.ts";
import { IouTracker } from "../src/tracking/tracker.ts";
import type { Box, Detection } from "../src/vision/types.ts";

function det(x: number, y: number, size = 100, score = 0.9): Detection {
  const box: Box = [x, y, size, size];
  return {
    box,
    score,
    landmarks: [
      [x + 30, y + 40],
      [x + 70, y + 40],
      [x + 50, y + 60],
      [x + 35, y + 80],
      [x + 65, y + 80],
    ],
  };
}

describe("iou", () => {
  test("is 1 for equal boxes, 0 for disjoint ones, symmetric in between", () => {
    assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
    assert.equal(iou([0, 0, 10, 10], [20, 0, 10, 10]), 0);
    assert.equal(iou([0, 0, 10, 10], [5, 0, 10, 10]), 50 / 150);
    assert.equal(iou([5, 0, 10, 10], [0, 0, 10, 10]), 50 / 150);
  });
});

describe("IouTracker", () => {
  test("follows one moving face under one id, confirmed after minHits", () => {
    const tracker = new IouTracker({ camera: "door", minHits: 3 });
    const ids = new Set<string>();
    const started: string[] = [];
    for (let i = 0; i < 10; i++) {
      const update = tracker.update([det(100 + i * 15, 100)], 1000 + i * 100);
      for (const t of [...update.active, ...update.tentative]) ids.add(t.id);
      started.push(...update.started.map((t) => t.id));
      if (i < 2) assert.equal(update.active.length, 0, "not confirmed before 3 hits");
      else assert.equal(update.active.length, 1);
    }
    assert.deepEqual([...ids], ["door-1"]);
    assert.deepEqual(started, ["door-1"]);
    const [track] = tracker.active;
    assert.equal(track.hits, 10);
    assert.equal(track.firstSeen, 1000);
    assert.equal(track.lastSeen, 1900);
    assert.equal(track.updated, true);
    assert.ok(Math.abs(track.velocity[0] - 150) < 1e-6, `vx ${track.velocity[0]} px/s`);
  });

  test("split puts a new confirmed track with a new id in a track's place; the old one is never reported again", () => {
    const tracker = new IouTracker({ camera: "door" });
    for (let i = 0; i < 3; i++) tracker.update([det(100 + i * 10, 100)], i * 100);
    const [old] = tracker.active;
    const next = tracker.split(old.id);
    assert.notEqual(next.id, old.id);
    assert.deepEqual([next.box, next.confirmed, next.velocity], [old.box, true, old.velocity]);
    assert.equal(next.firstSeen, old.lastSeen);
    const later = tracker.update([det(130, 100)], 300);
    assert.deepEqual(
      later.active.map((t) => t.id),
      [next.id],
    );
    assert.deepEqual(later.ended, []);
    assert.deepEqual(
      tracker.flush().map((t) => t.id),
      [next.id],
    );
    assert.throws(() => tracker.split(old.id), /no live track/);
  });

  test("two faces get two distinct ids and keep them", () => {
    const tracker = new IouTracker({ camera: "hall", minHits: 1 });
    const first = tracker.update([det(50, 50), det(400, 60)], 0);
    assert.deepEqual(
      first.active.map((t) => t.id),
      ["hall-1", "hall-2"],
    );
    // same faces, listed in the other order and moved a little
    const second = tracker.update([det(410, 65), det(55, 52)], 100);
    const byX = second.active.sort((a, b) => a.box[0] - b.box[0]);
    assert.deepEqual(
      byX.map((t) => t.id),
      ["hall-1", "hall-2"],
    );
  });

  test("the constant-velocity prediction bridges a missed frame of a fast face", () => {
    const run = (useFrames: number[]) => {
      const tracker = new IouTracker({ camera: "c", minHits: 1 });
      const ids = new Set<string>();
      for (const i of useFrames) {
        const detections = [det(i * 40, 100)];
        for (const t of tracker.update(detections, i * 100).active) if (t.updated) ids.add(t.id);
      }
      return ids;
    };
    // frames 0,1,2 then frame 3 has no detection (the detector missed it), frame 4 is 80 px further
    const tracker = new IouTracker({ camera: "c", minHits: 1 });
    for (const i of [0, 1, 2]) tracker.update([det(i * 40, 100)], i * 100);
    const missed = tracker.update([], 300);
    assert.equal(missed.active.length, 1);
    assert.equal(missed.active[0].updated, false);
    assert.equal(missed.active[0].misses, 1);
    assert.deepEqual(missed.active[0].predict(400), [160, 100, 100, 100]);
    const after = tracker.update([det(160, 100)], 400);
    assert.deepEqual(
      after.active.map((t) => t.id),
      ["c-1"],
    );
    // without the history (a fresh track at 80 px, then 160 px) the same jump would not match by IoU
    assert.ok(iou(det(80, 100).box, det(160, 100).box) < 0.3);
    assert.equal(run([0, 1, 2, 4]).size, 1);
  });

  test("a track ends after maxMissed updates without a match, and is reported once", () => {
    const tracker = new IouTracker({ camera: "c", minHits: 1, maxMissed: 2, maxMissedS: 100 });
    tracker.update([det(0, 0)], 0);
    assert.equal(tracker.update([], 100).ended.length, 0);
    assert.equal(tracker.update([], 200).ended.length, 0);
    const third = tracker.update([], 300);
    assert.deepEqual(
      third.ended.map((t) => t.id),
      ["c-1"],
    );
    assert.equal(third.active.length, 0);
    assert.equal(tracker.update([], 400).ended.length, 0);
    assert.equal(tracker.size, 0);
  });

  test("a track also ends once unseen for maxMissedS", () => {
    const tracker = new IouTracker({ camera: "c", minHits: 1, maxMissed: 100, maxMissedS: 1 });
    tracker.update([det(0, 0)], 0);
    assert.equal(tracker.update([], 900).ended.length, 0);
    assert.equal(tracker.update([], 1001).ended.length, 1);
  });

  test("a one-frame false detection is never confirmed nor reported as ended", () => {
    const tracker = new IouTracker({ camera: "c", minHits: 2, maxMissed: 1 });
    const first = tracker.update([det(300, 300, 40, 0.5)], 0);
    assert.equal(first.active.length, 0);
    assert.equal(first.tentative.length, 1);
    const rest = [tracker.update([], 100), tracker.update([], 200), tracker.update([], 300)];
    for (const u of rest) {
      assert.equal(u.active.length, 0);
      assert.equal(u.ended.length, 0);
    }
    assert.equal(tracker.size, 0);
  });

  test("a new face after an ended one gets a new id; flush ends the rest", () => {
    const tracker = new IouTracker({ camera: "gate", minHits: 1, maxMissed: 0, firstId: 41 });
    tracker.update([det(0, 0)], 0);
    const next = tracker.update([det(400, 300)], 100);
    assert.deepEqual(
      next.ended.map((t) => t.id),
      ["gate-41"],
    );
    assert.deepEqual(
      next.active.map((t) => t.id),
      ["gate-42"],
    );
    assert.deepEqual(
      tracker.flush().map((t) => t.id),
      ["gate-42"],
    );
    assert.equal(tracker.size, 0);
  });

  test("lists unconfirmed tracks as tentative until their second hit", () => {
    const tracker = new IouTracker({ camera: "cam" });
    tracker.update([det(0, 0)], 0);
    assert.deepEqual(
      tracker.tentative.map((t) => t.id),
      ["cam-1"],
    );
    assert.equal(tracker.active.length, 0);
    tracker.update([det(2, 0)], 33);
    assert.equal(tracker.tentative.length, 0);
    assert.deepEqual(
      tracker.active.map((t) => t.id),
      ["cam-1"],
    );
  });
});
