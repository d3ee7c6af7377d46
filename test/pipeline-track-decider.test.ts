import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dropNestedFaces } from "../src/pipeline/face-filter.ts";
import {
  type DeciderEvent,
  type DeciderFace,
  TrackDecider,
  type TrackDeciderOptions,
} from "../src/pipeline/track-decider.ts";
import { Gallery } from "../src/recognition/gallery.ts";
import { Matcher } from "../src/recognition/matcher.ts";
import { IouTracker, type Track } from "../src/tracking/index.ts";
import type { Box, Detection, FivePoints } from "../src/vision/types.ts";

const DIM = 4;
const unit = (i: number) => Float32Array.from({ length: DIM }, (_, k) => (k === i ? 1 : 0));
const vec = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};
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
/** Two faces whose cosine reaches 0.3 pass as the same person (a stand-in for the calibrated one-to-one bound). */
const SAME = { full: 0.3, upper: 0.3 };
/** A stranger: far from Ann and Bob. */
const STRANGER = unit(2);
/** Ann, badly seen: her best candidate, but under the threshold (cosine 0.45). */
const ANN_FAINT = vec(0.45, 0, Math.sqrt(1 - 0.45 ** 2), 0);

const landmarks = [
  [0, 0],
  [0, 0],
  [0, 0],
  [0, 0],
  [0, 0],
] as unknown as FivePoints;
const det = (box: Box): Detection => ({ box, score: 0.9, landmarks });

type Frame = { box: Box; embedding: Float32Array } | null;

/** Drives a real tracker and the decider over frames of one face each (or none), 100 ms apart. */
function run(frames: Frame[], options: Partial<TrackDeciderOptions> = {}) {
  return runFull(frames, options).map((e) => e.event);
}

/**
 * As run, with the decider's whole output. With `images`, each frame lends a 320×240 image whose pixels all hold
 * the frame's index, so a crop tells which frame it was copied from.
 */
function runFull(frames: Frame[], options: Partial<TrackDeciderOptions> = {}, images = false) {
  const tracker = new IouTracker({ camera: "door" });
  const decider = new TrackDecider({
    camera: "door",
    maxAttemptsPerTrack: 5,
    maxAttemptsPerVisit: 40,
    minAgreeingFrames: 2,
    minFacePx: 40,
    ...options,
  });
  const out: DeciderEvent[] = [];
  let t = 1_000_000;
  let frameIndex = 0;
  for (const f of frames) {
    t += 100;
    const detections = f ? [det(f.box)] : [];
    const update = tracker.update(detections, t);
    const faceOf = (track: Track): DeciderFace | undefined =>
      f && track.detection === detections[0]
        ? { embedding: f.embedding, masked: false, faceSize: f.box[2] }
        : undefined;
    const image = images
      ? { width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).fill(frameIndex) }
      : undefined;
    frameIndex++;
    out.push(
      ...decider.observe(update, faceOf, matcher, t, {
        sameFace: SAME,
        split: (tr) => tracker.split(tr.id),
        image,
      }),
    );
  }
  out.push(...decider.endAll(tracker.flush(), t + 100));
  return out;
}

const face = (x: number, embedding: Float32Array, size = 100) => ({
  box: [x, 100, size, size] as Box,
  embedding,
});
const times = (n: number, f: Frame) => Array.from({ length: n }, () => f);
const gone = (n = 8) => times(n, null);
const kinds = (events: { type: string; name: string | null }[]) => events.map((e) => `${e.type} ${e.name}`);

describe("TrackDecider", () => {
  it("announces one decision per visit and one left, never one per frame", () => {
    const events = run([...Array.from({ length: 12 }, (_, i) => face(100 + i * 5, unit(0))), ...gone()]);
    assert.deepEqual(kinds(events), ["identified Ann", "left Ann"]);
    assert.equal(events[0].track_id, events[1].track_id);
    assert.equal(events[0].score, 1);
    assert.deepEqual(events[1].box, [155, 100, 100, 100]);
  });

  it("says unknown for a stranger once the first attempts are used, and nothing more while they stay", () => {
    const events = run([...times(30, face(100, STRANGER)), ...gone()]);
    assert.deepEqual(kinds(events), ["unknown null", "left null"]);
  });

  it("turns an unknown visit into identified when later faces bring the evidence, and says so once", () => {
    // Ann arrives badly seen (her best candidate, under the threshold): unknown after five faces; then she comes
    // into the light. Her faint and clear faces resemble each other, so it stays one visit.
    const events = run([...times(8, face(100, ANN_FAINT)), ...times(10, face(100, unit(0))), ...gone()]);
    assert.deepEqual(kinds(events), ["unknown null", "identified Ann", "left Ann"]);
    assert.equal(new Set(events.map((e) => e.track_id)).size, 1, "one visit, one track id");
  });

  it("never takes a name back: a named visit whose faces turn faint stays named, with no further event", () => {
    const events = run([...times(4, face(100, unit(0))), ...times(20, face(100, ANN_FAINT)), ...gone()]);
    assert.deepEqual(kinds(events), ["identified Ann", "left Ann"]);
  });

  it("splits a visit when somebody else steps into the same spot: each gets a decision and a left", () => {
    const events = run([...times(10, face(100, unit(0))), ...times(10, face(102, unit(1))), ...gone()]);
    assert.deepEqual(kinds(events), ["identified Ann", "left Ann", "identified Bob", "left Bob"]);
    assert.equal(events[0].track_id, events[1].track_id);
    assert.equal(events[2].track_id, events[3].track_id);
    assert.notEqual(events[0].track_id, events[2].track_id, "the newcomer's visit has a track id of its own");
    assert.deepEqual(events[1].box, [100, 100, 100, 100], "Ann's left is where Ann's face was");
    assert.ok(Date.parse(events[2].first_seen) > Date.parse(events[0].first_seen));

    const stranger = run([...times(10, face(100, unit(0))), ...times(12, face(100, STRANGER)), ...gone()]);
    assert.deepEqual(kinds(stranger), ["identified Ann", "left Ann", "unknown null", "left null"]);
  });

  it("hands each visit's best face with its decision, cropped from that visit's own frames", () => {
    // Ann's face grows over 6 frames (the last is her best); Bob steps into her place with a smaller face.
    const ann = Array.from({ length: 6 }, (_, i) => face(100, unit(0), 80 + i * 4));
    const events = runFull([...ann, ...times(8, face(100, unit(1), 90)), ...gone()], {}, true);
    const decisions = events.filter((e) => e.event.type !== "left");
    assert.deepEqual(
      decisions.map((e) => `${e.event.type} ${e.event.name}`),
      ["identified Ann", "identified Bob"],
    );
    const [annBest, bobBest] = decisions.map((e) => e.basis?.best);
    assert.ok(annBest?.crop && bobBest?.crop, "crops while the frames are lent");
    // the tracker confirms her on frame 1 and she is named on her 2nd face (frame 2): her best so far
    assert.equal(annBest.face.faceSize, 88);
    assert.equal(annBest.crop.data[0], 2);
    // Bob's best is one of his own faces (frames 6 on), never Ann's larger ones
    assert.equal(bobBest.face.faceSize, 90);
    assert.ok(bobBest.crop.data[0] >= 6, `Bob's crop comes from his frames (${bobBest.crop.data[0]})`);
    assert.equal(bobBest.crop.width, 180, "the face with half its size on each side");
    assert.equal(
      runFull(times(6, face(100, unit(0))))[0].basis?.best?.crop,
      undefined,
      "no frame lent, no crop",
    );
  });

  it("does not split for one odd face, nor for a face unlike the others that is still close to the person", () => {
    const odd = run([
      ...times(6, face(100, unit(0))),
      face(100, STRANGER),
      ...times(6, face(100, unit(0))),
      ...gone(),
    ]);
    assert.deepEqual(kinds(odd), ["identified Ann", "left Ann"]);
    // cosine 0.25 to her clear face (under SAME), but Ann is its best candidate within 0.1 of the threshold
    const turned = vec(0.42, 0.1, 0, Math.sqrt(1 - 0.42 ** 2 - 0.01));
    const events = run([...times(6, face(100, unit(0))), ...times(10, face(100, turned)), ...gone()]);
    assert.deepEqual(kinds(events), ["identified Ann", "left Ann"]);
  });

  it("decides a visit that ends early from what it has, and ignores faces below min_face_px", () => {
    const ended = run([face(100, unit(0)), face(100, unit(0)), ...gone()], { minAgreeingFrames: 3 });
    assert.deepEqual(
      kinds(ended),
      ["unknown null", "left null"],
      "too few faces to name: unknown, then left",
    );
    assert.deepEqual(run([face(100, unit(0)), ...gone()]), [], "a single-frame track is never confirmed");
    assert.deepEqual(run(times(10, face(100, unit(0), 30))), []);
    const skipped = run([...times(3, face(100, unit(0))), face(100, new Float32Array(0)), ...gone()]);
    assert.deepEqual(kinds(skipped), ["identified Ann", "left Ann"]);
  });
});

describe("TrackDecider pacing", () => {
  /** attemptsOf after each frame of one face, 100 ms apart. */
  function attempts(embedding: Float32Array, frames: number): Array<number | null> {
    const tracker = new IouTracker({ camera: "door" });
    const decider = new TrackDecider({
      camera: "door",
      maxAttemptsPerTrack: 3,
      maxAttemptsPerVisit: 6,
      minAgreeingFrames: 2,
      minFacePx: 40,
    });
    const out: Array<number | null> = [];
    for (let i = 0; i < frames; i++) {
      const t = 1000 + i * 100;
      const detections = [det([100, 100, 100, 100])];
      const update = tracker.update(detections, t);
      // the pipeline embeds a face only when the decider wants it
      const wanted = update.active.every((tr) => decider.attemptsOf(tr, t) !== null);
      const f = { embedding: wanted ? embedding : new Float32Array(0), masked: false, faceSize: 100 };
      decider.observe(update, () => f, matcher, t, { sameFace: SAME, split: (tr) => tracker.split(tr.id) });
      for (const track of update.active) out.push(decider.attemptsOf(track, t + 100));
    }
    return out;
  }

  it("a named visit is looked at every half second; an unknown one keeps looking at a slower pace, within budget", () => {
    // confirmed on frame 2 (1 face), named on frame 3 (2 faces), then a look every 500 ms
    assert.deepEqual(attempts(unit(0), 9), [1, null, null, null, null, 2, null, null]);
    // faces 1–3, unknown at 3; then one face per 200 ms until the budget of 6; then a look every 500 ms
    assert.deepEqual(attempts(STRANGER, 13), [1, 2, null, 3, null, 4, null, 5, null, null, null, null]);
  });
});

describe("dropNestedFaces", () => {
  it("drops a detection mostly inside a bigger face, keeps side-by-side faces", () => {
    const big = { box: [100, 100, 120, 120] as Box };
    const inner = { box: [130, 160, 50, 50] as Box };
    const beside = { box: [300, 100, 60, 60] as Box };
    assert.deepEqual(dropNestedFaces([big, inner, beside]), [big, beside]);
  });
});
