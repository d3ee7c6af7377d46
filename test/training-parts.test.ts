import assert from "node:assert/strict";
import { test } from "node:test";
import { decideOpenSet, UNKNOWN_CLASS } from "../src/recognition/open-set.ts";
import { applyAugmentation, drawAugmentation } from "../src/training/augment.ts";
import { NEGATIVE } from "../src/training/dataset.ts";
import { softmaxThreshold } from "../src/training/open-set-thresholds.ts";
import { seededRng } from "../src/training/rng.ts";
import { splitByPhoto } from "../src/training/split.ts";
import { syntheticDataset } from "./training-fixtures.ts";

const image = {
  width: 4,
  height: 3,
  data: Uint8Array.from({ length: 36 }, (_, i) => (i * 7) % 256),
};
const identity = { brightness: 1, saturation: 1, flip: false, angle: 0, scale: 1, mask: false };

test("augmentations are drawn deterministically from the seed", () => {
  const a = [1, 2, 3].map(() => drawAugmentation(seededRng(42)));
  assert.deepEqual(a[0], a[1]);
  const r = seededRng(42);
  assert.notDeepEqual(drawAugmentation(r), drawAugmentation(r));
});

test("the identity augmentation keeps the image; flip mirrors it; brightness scales it", () => {
  assert.deepEqual(applyAugmentation(image, identity).data, image.data);
  const flipped = applyAugmentation(image, { ...identity, flip: true });
  assert.deepEqual([...flipped.data.subarray(0, 3)], [...image.data.subarray(9, 12)]);
  const dark = applyAugmentation(image, { ...identity, brightness: 0.5 });
  assert.equal(dark.data[9], Math.round(image.data[9] * 0.5));
  const grey = applyAugmentation(image, { ...identity, saturation: 0 });
  assert.equal(grey.data[3], grey.data[4]);
});

test("the validation split is stratified, seeded and never separates a photo from its augmentations", () => {
  const { dataset } = syntheticDataset({ people: 3, photos: 10, negatives: 5 });
  const a = splitByPhoto(dataset.samples, 0.2, seededRng(1));
  const b = splitByPhoto(dataset.samples, 0.2, seededRng(1));
  assert.deepEqual(
    a.val.map((s) => s.group),
    b.val.map((s) => s.group),
  );
  const trainGroups = new Set(a.train.map((s) => s.group));
  assert.ok(a.val.every((s) => !trainGroups.has(s.group) && !s.augmented));
  for (const label of [0, 1, 2]) assert.equal(a.val.filter((s) => s.label === label).length, 2);
  assert.equal(a.val.filter((s) => s.label === NEGATIVE).length, 1);
});

test("open-set decision needs a person class, the softmax and the gallery threshold", () => {
  const classes = ["ann", "bob", UNKNOWN_CLASS];
  const t = { softmax: 0.7, gallery: { full: 0.4, upper: 0.5 } };
  const score = (s: number) => () => s;
  assert.equal(decideOpenSet(Float32Array.of(0.9, 0.05, 0.05), classes, score(0.6), t).name, "ann");
  assert.equal(
    decideOpenSet(Float32Array.of(0.6, 0.35, 0.05), classes, score(0.6), t).reason,
    "low-probability",
  );
  assert.equal(
    decideOpenSet(Float32Array.of(0.9, 0.05, 0.05), classes, score(0.3), t).reason,
    "low-similarity",
  );
  assert.equal(decideOpenSet(Float32Array.of(0.1, 0.1, 0.8), classes, score(0.9), t).reason, "unknown-class");
  assert.equal(decideOpenSet(Float32Array.of(0.9, 0.05, 0.05), classes, score(0.45), t, "upper").name, null);
});

test("the softmax threshold rejects validation negatives but keeps most known faces", () => {
  const known = Array.from({ length: 20 }, (_, i) => ({ correct: true, probability: 0.8 + i / 100 }));
  const negatives = [0.95, 0.6, 0.55].map((probability) => ({ probability, person: true }));
  // 0.95 would reject too many known faces: capped at their 10th percentile.
  assert.equal(softmaxThreshold(known, negatives), 0.82);
  assert.equal(softmaxThreshold(known, [{ probability: 0.6, person: true }]), 0.6);
  assert.equal(softmaxThreshold(known, []), 0.5);
});
