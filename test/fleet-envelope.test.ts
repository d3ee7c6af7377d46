import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign, verify } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { detachFromFleet, FleetApplier } from "../src/fleet/applier.ts";
import {
  type Envelope,
  FLEET_FORMAT,
  MAX_ENVELOPE_BYTES,
  openEnvelope,
  sealEnvelope,
  signedBytes,
  unpackGallery,
} from "../src/fleet/envelope.ts";
import { sealGallery } from "../src/fleet/publish.ts";
import { nextVersion } from "../src/fleet/version.ts";
import { GalleryManagedError } from "../src/recognition/errors.ts";
import { forgetOnDisk } from "../src/recognition/forget.ts";
import type { Gallery } from "../src/recognition/gallery.ts";
import {
  assertLocallyWritable,
  parseGallery,
  readGalleryFile,
  serializeGallery,
  writeGalleryFile,
} from "../src/recognition/gallery-file.ts";
import { syntheticGallery } from "./helpers/fleet.ts";

const keys = () => generateKeyPairSync("ed25519");
const { privateKey, publicKey } = keys();
const EMBEDDER = "synthetic-embedder";

function seal(gallery: Gallery, version: number, key = privateKey) {
  return sealGallery(gallery, version, new Date("2026-03-01T10:00:00.000Z"), key);
}

function doorDir() {
  const dir = mkdtempSync(join(tmpdir(), "facegate-fleet-door-"));
  const galleryPath = join(dir, "gallery.json");
  const applier = new FleetApplier({
    galleryPath,
    publicKey,
    embedderId: EMBEDDER,
    topic: "facegate/fleet/gallery",
  });
  return { dir, galleryPath, applier };
}

const refusedCode = (outcome: ReturnType<FleetApplier["apply"]>) =>
  outcome.kind === "refused" ? outcome.code : `not refused: ${outcome.kind}`;

describe("fleet envelope", () => {
  test("the signed bytes are the documented canonical form, and the signature verifies over exactly them", () => {
    const { envelope, text } = sealEnvelope(
      {
        gallery: Buffer.from("hello"),
        people: 3,
        version: 42,
        created: new Date("2026-01-02T03:04:05.678Z"),
      },
      privateKey,
    );
    const canonical = signedBytes(envelope).toString("utf8");
    assert.equal(
      canonical,
      `{"created":"2026-01-02T03:04:05.678Z","format":"${FLEET_FORMAT}","gallery":"${envelope.gallery}","people":3,` +
        `"sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824","version":42}`,
    );
    assert.ok(verify(null, Buffer.from(canonical), publicKey, Buffer.from(envelope.signature, "base64")));
    // The message itself: every field, the big gallery last; whitespace and key order do not matter to a door.
    assert.deepEqual(Object.keys(JSON.parse(text)), [
      "format",
      "version",
      "created",
      "people",
      "sha256",
      "signature",
      "gallery",
    ]);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(text)).reverse()), null, 2);
    assert.equal(openEnvelope(Buffer.from(reordered), publicKey).version, 42);
    assert.equal(unpackGallery(openEnvelope(Buffer.from(text), publicKey)).toString(), "hello");
  });

  test("tampering with any field, or another key, breaks the signature", () => {
    const { text } = seal(syntheticGallery(3), 7);
    const env = JSON.parse(text) as Envelope;
    const i = Math.floor(env.gallery.length / 2);
    const flipped = env.gallery[i] === "A" ? "B" : "A";
    const variants: Record<string, Envelope> = {
      "one base64 character of the gallery": {
        ...env,
        gallery: env.gallery.slice(0, i) + flipped + env.gallery.slice(i + 1),
      },
      version: { ...env, version: env.version + 1 },
      people: { ...env, people: env.people + 1 },
      created: { ...env, created: "2030-01-01T00:00:00.000Z" },
      sha256: { ...env, sha256: "0".repeat(64) },
    };
    for (const [what, e] of Object.entries(variants)) {
      assert.throws(
        () => openEnvelope(Buffer.from(JSON.stringify(e)), publicKey),
        { code: "signature" },
        what,
      );
    }
    assert.throws(() => openEnvelope(Buffer.from(text), keys().publicKey), { code: "signature" });
  });

  test("malformed, foreign, oversize and bombed envelopes are refused with a reason", () => {
    const { text, envelope } = seal(syntheticGallery(2), 7);
    const refuse = (payload: string | Buffer, code: string) =>
      assert.throws(
        () => openEnvelope(Buffer.from(payload), publicKey),
        { code },
        String(payload).slice(0, 40),
      );
    refuse("{not json", "malformed");
    refuse(text.slice(0, text.length / 2), "malformed");
    refuse("null", "malformed");
    refuse("[]", "malformed");
    refuse(JSON.stringify({ ...envelope, extra: 1 }), "malformed");
    refuse(JSON.stringify({ ...envelope, version: -1 }), "malformed");
    refuse(JSON.stringify({ ...envelope, version: 1.5 }), "malformed");
    refuse(JSON.stringify({ ...envelope, gallery: `${envelope.gallery.slice(4)}!!!!` }), "malformed");
    refuse(JSON.stringify({ ...envelope, signature: undefined }), "malformed");
    refuse(JSON.stringify({ ...envelope, format: "facegate-fleet-gallery/9" }), "format");
    refuse(JSON.stringify({ ...envelope, format: "something-else" }), "format");
    refuse(Buffer.alloc(MAX_ENVELOPE_BYTES + 1, 32), "oversize");

    // A correctly signed envelope whose gallery inflates without bound (96 MiB of zeros is ~100 KB of gzip).
    const bomb = gzipSync(Buffer.alloc(96 * 1024 * 1024), { level: 9 });
    const signedBomb = sealEnvelope(
      { gallery: Buffer.from("x"), people: 0, version: 1, created: new Date() },
      privateKey,
    );
    const e = { ...signedBomb.envelope, gallery: bomb.toString("base64") };
    const resigned = sealFields(e);
    assert.throws(() => unpackGallery(openEnvelope(Buffer.from(JSON.stringify(resigned)), publicKey)), {
      code: "damaged",
      message: /inflates beyond/,
    });
  });

  test("versions only grow: retained + 1, the publisher's counter + 1, or the clock, whichever is largest", () => {
    assert.equal(nextVersion(null, null, 1_700_000_000_000), 1_700_000_000_000);
    assert.equal(nextVersion(1_800_000_000_000, null, 1_700_000_000_000), 1_800_000_000_001);
    assert.equal(nextVersion(5, 1_900_000_000_000, 1_700_000_000_000), 1_900_000_000_001);
  });

  test("f32 when it fits, i8 when it does not (the 1,000-person figure: scripts/fleet-bench.ts); a door takes it", () => {
    const small = seal(syntheticGallery(5), 1);
    assert.equal(small.vectors, "f32");
    const big = syntheticGallery(350, { photos: 10 }); // ≈ 19 MB as f32: just over the limit
    const sealed = sealGallery(big, 1, new Date(), privateKey);
    assert.equal(sealed.vectors, "i8");
    assert.ok(
      Buffer.byteLength(sealed.text) < MAX_ENVELOPE_BYTES / 3,
      `${Buffer.byteLength(sealed.text)} bytes`,
    );
    const { galleryPath, applier } = doorDir();
    assert.equal(applier.apply(Buffer.from(sealed.text)).kind, "applied");
    assert.equal(readGalleryFile(galleryPath)?.people.size, 350);
    assert.throws(
      () => sealGallery(big, 1, new Date(), privateKey, "f32"),
      /over the 16 MiB limit; try --vectors i8/,
    );
  });
});

/** Re-signs an envelope whose fields were changed (to test what comes after the signature check). */
function sealFields(e: Omit<Envelope, "signature"> & { signature?: string }): Envelope {
  const { signature: _, ...unsigned } = e;
  const signature = sign(null, signedBytes(unsigned), privateKey).toString("base64");
  return { ...unsigned, signature };
}

describe("fleet applier (a door's side, real gallery files)", () => {
  test("applies a signed gallery atomically, keeps .prev, and stamps the version into the gallery file", () => {
    const { galleryPath, applier } = doorDir();
    writeGalleryFile(galleryPath, syntheticGallery(1, { prefix: "Local" }));
    const first = applier.apply(Buffer.from(seal(syntheticGallery(3), 100).text));
    assert.equal(first.kind, "applied");
    const g = readGalleryFile(galleryPath) as Gallery;
    assert.deepEqual(g.names(), ["Person 0000", "Person 0001", "Person 0002"]);
    assert.equal(g.managed?.version, 100);
    assert.equal(statSync(galleryPath).mode & 0o777, 0o600);
    assert.deepEqual(readGalleryFile(`${galleryPath}.prev`)?.names(), ["Local 0000"]);
    // vectors arrive exactly (f32)
    const sent = syntheticGallery(3).people.get("Person 0001")?.templates[3].vector;
    assert.deepEqual(
      Array.from(g.people.get("Person 0001")?.templates[3].vector ?? []),
      Array.from(sent ?? []),
    );
    assert.deepEqual(applier.current(), first.kind === "applied" ? first.applied : null);
  });

  test("the same envelope again is 'current'; older is a replay, same version with other content a conflict", () => {
    const { galleryPath, applier } = doorDir();
    const v1 = seal(syntheticGallery(3), 100).text;
    const v2 = seal(syntheticGallery(2), 200).text;
    assert.equal(applier.apply(Buffer.from(v1)).kind, "applied");
    assert.equal(applier.apply(Buffer.from(v2)).kind, "applied");
    const before = readFileSync(galleryPath);
    assert.equal(applier.apply(Buffer.from(v2)).kind, "current");
    assert.equal(refusedCode(applier.apply(Buffer.from(v1))), "replay");
    assert.equal(refusedCode(applier.apply(Buffer.from(seal(syntheticGallery(4), 200).text))), "conflict");
    assert.deepEqual(readFileSync(galleryPath), before, "nothing refused touches the gallery");

    // A restart (a new applier on the same file) still refuses the replay: the version lives in the file.
    const restarted = new FleetApplier({ galleryPath, publicKey, embedderId: EMBEDDER, topic: "t" });
    assert.equal(refusedCode(restarted.apply(Buffer.from(v1))), "replay");
    assert.equal(restarted.current()?.version, 200);
  });

  test("refuses another embedder, a gallery the owner cannot read, a people count that lies, a cleared topic", () => {
    const { galleryPath, applier } = doorDir();
    const other = seal(syntheticGallery(2, { embedder: "another-embedder-1234" }), 5).text;
    const outcome = applier.apply(Buffer.from(other));
    assert.equal(refusedCode(outcome), "embedder");
    assert.match(outcome.kind === "refused" ? outcome.message : "", /another-embedder-1234/);

    const notAGallery = sealEnvelope(
      { gallery: Buffer.from('{"format":"x"}'), people: 0, version: 6, created: new Date() },
      privateKey,
    );
    assert.equal(refusedCode(applier.apply(Buffer.from(notAGallery.text))), "damaged");

    const text = serializeGallery(syntheticGallery(2));
    const lying = sealEnvelope(
      { gallery: Buffer.from(text), people: 5, version: 7, created: new Date() },
      privateKey,
    );
    assert.equal(refusedCode(applier.apply(Buffer.from(lying.text))), "damaged");

    assert.equal(applier.apply(Buffer.alloc(0)).kind, "cleared");
    assert.equal(existsSync(galleryPath), false, "nothing was written");
  });

  test("i8 vectors: a quarter of the size, the door stores what was sent, every door the same values", () => {
    const { galleryPath, applier } = doorDir();
    const g = syntheticGallery(4);
    const sealed = sealGallery(g, 9, new Date(), privateKey, "i8");
    assert.equal(applier.apply(Buffer.from(sealed.text)).kind, "applied");
    const stored = readGalleryFile(galleryPath) as Gallery;
    assert.equal(stored.vectors, "i8");
    const a = g.people.get("Person 0002")?.templates[0].vector as Float32Array;
    const b = stored.people.get("Person 0002")?.templates[0].vector as Float32Array;
    let dot = 0;
    for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
    assert.ok(dot > 0.9999, `cosine to the original ${dot}`);
    // re-encoding i8 values as i8 is exact (a forget on the door or a detach never drifts the vectors)
    const again = parseGallery(serializeGallery(stored, { vectors: "i8" }), "mem");
    assert.deepEqual(Array.from(again.people.get("Person 0002")?.templates[0].vector ?? []), Array.from(b));
  });

  test("a fleet gallery refuses every local writer with where to enroll; detach makes it local again", () => {
    const { galleryPath, applier } = doorDir();
    applier.apply(Buffer.from(seal(syntheticGallery(2), 300).text));
    const g = readGalleryFile(galleryPath) as Gallery;
    g.remove("Person 0000");
    assert.throws(
      () => writeGalleryFile(galleryPath, g),
      (err: Error) => {
        assert.ok(err instanceof GalleryManagedError);
        assert.match(err.message, /managed by the fleet .*version 300/);
        assert.match(err.message, /facegate fleet publish/);
        assert.match(err.message, /facegate fleet detach --gallery/);
        return true;
      },
    );
    assert.throws(() => assertLocallyWritable(galleryPath), GalleryManagedError);
    assert.equal(readGalleryFile(galleryPath)?.people.size, 2);

    assert.equal(detachFromFleet(galleryPath)?.version, 300);
    assert.equal(readGalleryFile(galleryPath)?.managed, null);
    writeGalleryFile(galleryPath, g); // a local write works again
    assert.deepEqual(readGalleryFile(galleryPath)?.names(), ["Person 0001"]);
    assert.equal(detachFromFleet(galleryPath), null);
  });

  test("forget on a door after the publisher removed them: scrubs .prev, leaves the fleet gallery alone", () => {
    const { galleryPath, applier } = doorDir();
    applier.apply(Buffer.from(seal(syntheticGallery(3), 400).text));
    const without = syntheticGallery(3);
    without.remove("Person 0001");
    applier.apply(Buffer.from(seal(without, 401).text));
    assert.ok(
      readGalleryFile(`${galleryPath}.prev`)?.people.has("Person 0001"),
      "the previous fleet gallery",
    );
    const live = readFileSync(galleryPath);
    const report = forgetOnDisk("Person 0001", { gallery: galleryPath });
    assert.equal(report.failed, false, JSON.stringify(report.steps));
    assert.deepEqual(
      report.steps.map((s) => s.what),
      ["gallery.prev"],
    );
    assert.equal(readGalleryFile(`${galleryPath}.prev`)?.people.has("Person 0001"), false);
    assert.equal(readGalleryFile(`${galleryPath}.prev`)?.managed?.version, 400);
    assert.deepEqual(readFileSync(galleryPath), live);
    // while they are still in the fleet gallery, forget refuses the live file and says where to forget them
    const refused = forgetOnDisk("Person 0002", { gallery: galleryPath });
    assert.equal(refused.failed, true);
    assert.match(refused.steps.find((s) => s.what === "gallery")?.detail ?? "", /managed by the fleet/);
  });

  test("an enrolled gallery carries no fleet fields; a fleet gallery's fields survive a round trip", () => {
    const plain = JSON.parse(serializeGallery(syntheticGallery(1)));
    assert.equal("vectors" in plain, false);
    assert.equal("managed_by" in plain, false);
    const g = syntheticGallery(1);
    g.managed = {
      by: "fleet",
      version: 9,
      sha256: "a".repeat(64),
      topic: "t",
      applied_at: "2026-01-01T00:00:00.000Z",
    };
    const back = parseGallery(serializeGallery(g, { vectors: "i8" }), "mem");
    assert.deepEqual(back.managed, g.managed);
    assert.equal(back.vectors, "i8");
    const dir = mkdtempSync(join(tmpdir(), "facegate-fleet-fields-"));
    // a stamp that is not a fleet's, with a checksum that matches it: refused as damaged, not half-trusted
    const { checksum: _, ...body } = { ...plain, managed_by: { by: "someone" } };
    const checksum = createHash("sha256").update(JSON.stringify(body)).digest("hex");
    writeFileSync(join(dir, "g"), JSON.stringify({ ...body, checksum }));
    assert.throws(() => readGalleryFile(join(dir, "g")), /damaged managed_by/);
  });
});
