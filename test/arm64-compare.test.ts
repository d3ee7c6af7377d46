// The verdict of `npm run check:arm64` (scripts/arm64/compare.ts): two runs of `identify --json` agree only when
// every image has the same names and mask flags and every score is within the tolerance.
import assert from "node:assert/strict";
import { test } from "node:test";
import { agrees, compareRuns, parseIdentifyOutput } from "../scripts/arm64/compare.ts";

const line = (file: string, faces: { name: string | null; score: number; masked: boolean }[]) =>
  JSON.stringify({ file, faces: faces.map((f) => ({ ...f, box: [10, 20, 100, 100] })) });

const x64 = parseIdentifyOutput(
  [
    line("a.jpg", [{ name: "Ann", score: 0.8123, masked: false }]),
    line("b.jpg", [{ name: null, score: 0.2011, masked: true }]),
    JSON.stringify({ file: "broken.jpg", error: "not a readable image" }),
    "facegate: a stray log line",
  ].join("\n"),
);

test("identical answers within the tolerance agree", () => {
  const arm = parseIdentifyOutput(
    [
      line("a.jpg", [{ name: "Ann", score: 0.8129, masked: false }]),
      line("b.jpg", [{ name: null, score: 0.2011, masked: true }]),
      JSON.stringify({ file: "broken.jpg", error: "not a readable image" }),
    ].join("\n"),
  );
  const c = compareRuns(arm, x64);
  assert.deepEqual([c.images, c.sameNames, c.sameMasked, c.maxScoreDiff], [3, 3, 3, 0.0006]);
  assert.ok(agrees(c, 1e-3));
  assert.ok(!agrees(c, 1e-4), "a tighter tolerance fails the same runs");
});

test("a different name, mask flag, face count or a missing image is a disagreement", () => {
  const arm = parseIdentifyOutput(
    [
      line("a.jpg", [{ name: "Bob", score: 0.8123, masked: true }]),
      line("b.jpg", [
        { name: null, score: 0.2011, masked: true },
        { name: null, score: 0.1, masked: false },
      ]),
    ].join("\n"),
  );
  const c = compareRuns(arm, x64);
  assert.equal(c.images, 2, "broken.jpg was answered by x64 only");
  assert.equal(c.sameNames, 0);
  assert.equal(c.sameMasked, 0);
  assert.ok(c.differences.some((d) => d.includes("answered only on x64")));
  assert.ok(!agrees(c));
});

test("nothing compared is never a pass", () => {
  assert.ok(!agrees(compareRuns(new Map(), new Map())));
});
