import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dropNestedFaces } from "../src/pipeline/face-filter.ts";
import { TrackDecider } from "../src/pipeline/track-decider.ts";
import { Gallery } from "../src/recognition/gallery.ts";
import { Matcher } from "../src/recognition/matcher.ts";
import { IouTracker, type Track } from "../src/tracking/index.ts";
import type { Box, Detection, FivePoints } from "../src/vision/types.ts";

const DIM = 4;
const unit = (i: number) => Float32Array.from({ length: DIM }, (_, k) => (k === i ? 1 : 0));
const gallery = new Gallery("test-embedder", DIM);
gallery.put({
  name: "Ann",
  enrolledAt: "",
  templates: [{ space: "full", vector: unit(0), source: "a", masked: false }],
});
gallery.put({
  name: "Bob",
  enrolledAt: "",
  templates: [{ space: "full", vector: unit(1), source: "b", masked: false }],
});
const matcher = new Matcher(gallery, { full: 0.5, upper: 0.5 });

const landmarks = [
  [0, 0],
  [0, 0],
  [0, 0],
  [0, 0],
  [0, 0],
] as unknown as FivePoints;
const det = (box: Box): Detection => ({ box, score: 0.9, landmarks });

/** Drives a real tracker and the decider over frames of one face each (or none), 100 ms apart. */
function run(frames: Array<{ box: Box; embedding: Float32Array } | null>, options = {}) {
  const tracker = new IouTracker({ camera: "door" });
  const decider = new TrackDecider({
    camera: "door",
    maxAttemptsPerTrack: 5,
    minAgreeingFrames: 2,
    minFacePx: 40,
    ...options,
  });
  const out = [];
  let t = 1_000_000;
  for (const f of frames) {
    t += 100;
    const detections = f ? [det(f.box)] : [];
    const update = tracker.update(detections, t);
    const faceOf = (track: Track) =>
      f && track.detection === detections[0]
        ? { embedding: f.embedding, masked: false, faceSize: f.box[2] }
        : undefined;
    out.push(...decider.observe(update, faceOf, matcher, t).map((e) => e.event));
  }
  out.push(...decider.endAll(tracker.flush(), t + 100).map((e) => e.event));
  return out;
}

const face = (x: number, embedding: Float32Array, size = 100) => ({
  box: [x, 100, size, size] as Box,
  embedding,
});

describe("TrackDecider", () => {
  it("announces one decision per track and one left, never one per frame", () => {
    const frames = [
      ...Array.from({ length: 12 }, (_, i) => face(100 + i * 5, unit(0))),
      ...Array(8).fill(null),
    ];
    const events = run(frames);
    assert.deepEqual(
      events.map((e) => [e.type, e.name]),
      [
        ["identified", "Ann"],
        ["left", "Ann"],
      ],
    );
    assert.equal(events[0].track_id, events[1].track_id);
    assert.equal(events[0].score, 1);
    assert.deepEqual(events[1].box, [155, 100, 100, 100]);
  });

  it("says unknown for a stranger once attempts are used up", () => {
    const stranger = Float32Array.from([0, 0, 1, 0]);
    const events = run([...Array.from({ length: 10 }, () => face(100, stranger)), ...Array(8).fill(null)]);
    assert.deepEqual(
      events.map((e) => [e.type, e.name]),
      [
        ["unknown", null],
        ["left", null],
      ],
    );
  });

  it("a tie between two names decides nothing until one leads; an undecided track is decided when it ends", () => {
    // The tracker confirms a track on its second frame: votes are Ann, Bob (a tie: nothing), Ann (leads, 2 agree).
    const events = run([
      face(100, unit(0)),
      face(100, unit(0)),
      face(100, unit(1)),
      face(100, unit(0)),
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    assert.deepEqual(
      events.map((e) => e.type),
      ["identified", "left"],
    );
    const short = run([face(100, unit(0)), null, null, null, null, null, null, null], {
      minAgreeingFrames: 3,
    });
    assert.deepEqual(short, [], "a single-frame track is never confirmed by the tracker");
    const ended = run(
      [face(100, unit(0)), face(100, unit(0)), face(100, unit(0)), null, null, null, null, null, null, null],
      {
        minAgreeingFrames: 3,
      },
    );
    assert.deepEqual(
      ended.map((e) => [e.type, e.name]),
      [
        ["unknown", null],
        ["left", null],
      ],
      "ended before enough agreeing frames: unknown, then left",
    );
  });

  it("ignores faces below min_face_px (no events at all) and skips decided tracks' empty embeddings", () => {
    assert.deepEqual(run(Array.from({ length: 10 }, () => face(100, unit(0), 30))), []);
    const frames = [
      face(100, unit(0)),
      face(100, unit(0)),
      face(100, unit(0)),
      face(100, new Float32Array(0)),
      face(100, unit(1)),
    ];
    assert.deepEqual(
      run(frames).map((e) => [e.type, e.name]),
      [
        ["identified", "Ann"],
        ["left", "Ann"],
      ],
    );
  });
});

describe("dropNestedFaces", () => {
  it("drops a detection mostly inside a bigger face, keeps side-by-side faces", () => {
    const big = { box: [100, 100, 120, 120] as Box };
    const inner = { box: [130, 160, 50, 50] as Box };
    const beside = { box: [300, 100, 60, 60] as Box };
    assert.deepEqual(dropNestedFaces([big, inner, beside]), [big, beside]);
  });

  it("counts a track's attempts until it is decided, then wants no more embeddings", () => {
    const tracker = new IouTracker({ camera: "door" });
    const decider = new TrackDecider({
      camera: "door",
      maxAttemptsPerTrack: 5,
      minAgreeingFrames: 2,
      minFacePx: 40,
    });
    const attempts: Array<number | null> = [];
    for (let i = 0; i < 4; i++) {
      const detections = [det([100 + i * 5, 100, 100, 100])];
      const update = tracker.update(detections, 1000 + i * 100);
      decider.observe(
        update,
        () => ({ embedding: unit(0), masked: false, faceSize: 100 }),
        matcher,
        1000 + i * 100,
      );
      for (const track of update.active) attempts.push(decider.attemptsOf(track));
    }
    // Confirmed on the second frame (first attempt), decided on the third.
    assert.deepEqual(attempts, [1, null, null]);
  });
});
