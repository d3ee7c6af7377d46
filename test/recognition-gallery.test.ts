import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { perComparisonRate, scoreAtExceedance, tailFromScores } from "../src/recognition/calibration.ts";
import { AppearanceHistory, sameFaceBounds } from "../src/recognition/continuity.ts";
import { findOutliers } from "../src/recognition/enroll.ts";
import { GalleryError } from "../src/recognition/errors.ts";
import { FaceSet } from "../src/recognition/face-set.ts";
import { Gallery } from "../src/recognition/gallery.ts";
import {
  GALLERY_VERSION,
  parseGallery,
  readGalleryFile,
  readGalleryFor,
  serializeGallery,
  writeGalleryFile,
} from "../src/recognition/gallery-file.ts";
import { Matcher } from "../src/recognition/matcher.ts";
import { tempDir } from "./helpers/temp-dir.ts";

const DIM = 8;
function unit(...v: number[]): Float32Array {
  const a = new Float32Array(DIM);
  a.set(v);
  const n = Math.hypot(...a);
  return a.map((x) => x / n);
}

function sampleGallery(): Gallery {
  const g = new Gallery("test-embedder-1234", DIM);
  g.put({
    name: "Zoë Ångström",
    enrolledAt: "2026-01-01T00:00:00.000Z",
    templates: [
      { space: "full", vector: unit(1, 0.1), source: "a.jpg", masked: false },
      { space: "full", vector: unit(1, -0.1), source: "b.jpg", masked: false },
      { space: "upper", vector: unit(0, 0, 1), source: "a.jpg", masked: false },
    ],
  });
  g.put({
    name: "Bob Smith",
    enrolledAt: "2026-01-01T00:00:00.000Z",
    templates: [
      { space: "full", vector: unit(0, 1), source: "c.jpg", masked: false },
      { space: "upper", vector: unit(0, 0, 0, 1), source: "c.jpg", masked: false },
    ],
  });
  return g;
}

const tmp = () => tempDir("facegate-gallery-");

test("gallery round trip keeps names, spaces and vectors exactly", () => {
  const g = sampleGallery();
  const back = parseGallery(serializeGallery(g), "mem");
  assert.deepEqual(back.names(), ["Bob Smith", "Zoë Ångström"]);
  const t = back.people.get("Zoë Ångström")?.templates ?? [];
  assert.equal(t.length, 3);
  assert.deepEqual(
    Array.from(t[0].vector),
    Array.from(g.people.get("Zoë Ångström")?.templates[0].vector ?? []),
  );
  assert.equal(back.embedderId, "test-embedder-1234");
});

test("truncated, foreign, edited and empty gallery files are refused with a clear message", () => {
  const dir = tmp();
  const text = serializeGallery(sampleGallery());
  const cases: [string, string | Buffer, RegExp][] = [
    ["truncated.json", text.slice(0, text.length / 2), /not valid JSON/],
    ["foreign.json", JSON.stringify({ hello: "world" }), /not a facegate gallery/],
    ["edited.json", text.replace("Bob Smith", "Rob Smith"), /checksum/],
    ["empty.json", "", /empty/],
    ["future.json", text.replace(`"version":${GALLERY_VERSION}`, '"version":99'), /version 99/],
  ];
  for (const [name, content, re] of cases) {
    const p = join(dir, name);
    writeFileSync(p, content);
    assert.throws(
      () => readGalleryFile(p),
      (e: Error) => e instanceof GalleryError && re.test(e.message),
      name,
    );
  }
  assert.equal(readGalleryFile(join(dir, "missing.json")), null);
});

test("a gallery made with another embedder is refused", () => {
  const p = join(tmp(), "g.json");
  writeGalleryFile(p, sampleGallery());
  assert.throws(() => readGalleryFor(p, "other-embedder"), /made with embedder "test-embedder-1234"/);
  assert.ok(readGalleryFor(p, "test-embedder-1234"));
});

test("writes are atomic, private, keep the previous version, and never replace a damaged file", () => {
  const p = join(tmp(), "sub", "g.json");
  const g = sampleGallery();
  writeGalleryFile(p, g);
  assert.equal(statSync(p).mode & 0o777, 0o600);
  g.remove("Bob Smith");
  writeGalleryFile(p, g);
  assert.deepEqual(readGalleryFile(p)?.names(), ["Zoë Ångström"]);
  assert.deepEqual(readGalleryFile(`${p}.prev`)?.names(), ["Bob Smith", "Zoë Ångström"]);
  writeFileSync(p, readFileSync(p, "utf8").slice(0, 100));
  assert.throws(() => writeGalleryFile(p, g), GalleryError);
  assert.equal(readFileSync(p, "utf8").length, 100, "the damaged file is left for the user to inspect");
});

test("matcher names the closest person above threshold, strangers null, masked faces in the upper space", () => {
  const m = new Matcher(sampleGallery(), { full: 0.8, upper: 0.7 });
  assert.equal(m.match({ embedding: unit(1, 0.05), masked: false }).name, "Zoë Ångström");
  const stranger = m.match({ embedding: unit(0.6, 0, 0, 0, 1), masked: false });
  assert.equal(stranger.name, null);
  assert.equal(stranger.candidate, "Zoë Ångström");
  const masked = m.match({ embedding: unit(0.3, 0.3, 1), upperEmbedding: unit(0, 0, 0.1, 1), masked: true });
  assert.equal(masked.space, "upper");
  assert.equal(masked.name, "Bob Smith");
  // A face wrongly flagged masked whose whole face clearly matches keeps the whole-face answer.
  const clear = m.match({ embedding: unit(1, 0), upperEmbedding: unit(0, 0, 0.1, 1), masked: true });
  assert.equal(clear.space, "full");
  assert.equal(clear.name, "Zoë Ångström");
  assert.ok(masked.score >= 0 && masked.score <= 1);
});

test("a face set is matched as one: mean whole face of unmasked faces, else upper face of masked ones", () => {
  const m = new Matcher(sampleGallery(), { full: 0.8, upper: 0.7 }, { set: { full: 0.85, upper: 0.75 } });
  const set = new FaceSet();
  // two views of Zoë, each 0.8 alone, on either side of her templates: their mean is closer
  set.add({ embedding: unit(1, 0.75), masked: false, weight: 1 });
  set.add({ embedding: unit(1, -0.75), masked: false, weight: 1 });
  const both = m.matchSet(set);
  assert.deepEqual([both.name, both.space, both.threshold], ["Zoë Ångström", "full", 0.85]);
  // masked faces of Bob: their whole faces stay out of the whole-face mean while an unmasked one is in it
  set.add({ embedding: unit(0, 0, 1), upperEmbedding: unit(0, 0, 0.2, 1), masked: true, weight: 1 });
  assert.equal(set.count("full"), 2);
  assert.equal(set.count("upper"), 1);
  const masked = new FaceSet();
  masked.add({ embedding: unit(0.3, 0.3, 1), upperEmbedding: unit(0, 0, 0.1, 1), masked: true, weight: 1 });
  masked.add({ embedding: unit(0.3, 0.2, 1), upperEmbedding: unit(0, 0, -0.1, 1), masked: true, weight: 1 });
  const bob = m.matchSet(masked);
  assert.deepEqual([bob.name, bob.space], ["Bob Smith", "upper"]);
  assert.equal(masked.count("full"), 2, "every face flagged masked: the whole-face mean takes them all");
  const empty = m.matchSet(new FaceSet());
  assert.deepEqual([empty.name, empty.candidate, empty.score], [null, null, 0]);
});

test("appearance history: a face is the same person when it passes one-to-one against one earlier face", () => {
  const bounds = { full: 0.5, upper: 0.6 };
  const h = new AppearanceHistory();
  assert.equal(h.resembles({ embedding: unit(1), masked: false }, bounds), true, "nothing to compare yet");
  h.add({ embedding: unit(1, 0.2), masked: false });
  h.add({ embedding: unit(1, 0, 0.2), upperEmbedding: unit(0, 0, 0, 1), masked: true });
  assert.equal(h.resembles({ embedding: unit(1, 0.9), masked: false }, bounds), true);
  assert.equal(h.resembles({ embedding: unit(0, 1), masked: false }, bounds), false);
  // two masked faces are compared on the upper face, whatever their whole faces say
  const maskedAlike = { embedding: unit(0, 1), upperEmbedding: unit(0, 0, 0.3, 1), masked: true };
  const maskedOther = { embedding: unit(1, 0.1), upperEmbedding: unit(0, 0, 1, 0.3), masked: true };
  assert.equal(h.resembles(maskedAlike, bounds), true);
  assert.equal(
    h.margin(maskedOther, bounds) < 0 === false,
    true,
    "its whole face is close to the unmasked one",
  );
  assert.equal(sameFaceBounds(null), null);
});

test("calibration: threshold rises with gallery size and follows the impostor tail", () => {
  const scores = Array.from({ length: 100000 }, (_, i) => i / 100000);
  const tail = tailFromScores(scores);
  const t1 = scoreAtExceedance(tail, perComparisonRate(0.01, 1));
  const t100 = scoreAtExceedance(tail, perComparisonRate(0.01, 100));
  assert.ok(Math.abs(t1 - 0.99) < 0.002, `uniform scores: 1 % tail at 0.99, got ${t1}`);
  assert.ok(t100 > t1);
  assert.ok(Math.abs(perComparisonRate(0.01, 100) - 1.005e-4) < 1e-6);
});

test("outliers: a photo of someone else is dropped, consistent photos kept", () => {
  const person = [unit(1, 0.1), unit(1, -0.1), unit(1, 0.05, 0.1), unit(0, 0, 0, 1)];
  assert.deepEqual([...findOutliers(person, 0.3)], [3]);
  assert.equal(findOutliers(person.slice(0, 2), 0.3).size, 0, "two photos cannot tell who is odd");
});
