/**
 * Biometric files are private to the service user, and the MQTT command topic cannot steer facegate at the file
 * system. Real writes (gallery, a real training run into a model store), real command parsing.
 */
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseCommand } from "../src/mqtt/commands.ts";
import { Gallery } from "../src/recognition/gallery.ts";
import { writeGalleryFile } from "../src/recognition/gallery-file.ts";
import { trainAndStore } from "../src/training/train-run.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { runOptions, syntheticDataset } from "./training-fixtures.ts";

/** Every file and folder below `dir`, with its permission bits. */
function modes(dir: string): { path: string; mode: number; dir: boolean }[] {
  const out: { path: string; mode: number; dir: boolean }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    out.push({ path, mode: statSync(path).mode & 0o777, dir: e.isDirectory() });
    if (e.isDirectory()) out.push(...modes(path));
  }
  return out;
}

const octal = (m: number) => `0${m.toString(8)}`;

describe("file permissions of biometric data", () => {
  // A permissive umask, as in an interactive shell: the modes below must not depend on the caller's umask.
  const umask = process.umask(0o002);

  test("gallery and its .prev are 0600 whatever the umask", () => {
    const dir = tempDir("facegate-perm-");
    const path = join(dir, "state", "gallery.json");
    const g = new Gallery("e", 2);
    g.put({ name: "A", enrolledAt: "t", templates: [] });
    writeGalleryFile(path, g);
    writeGalleryFile(path, g);
    assert.equal(octal(statSync(path).mode & 0o777), "0600");
    assert.equal(octal(statSync(`${path}.prev`).mode & 0o777), "0600");
  });

  test("a trained model version: gallery, metadata and report are 0600, folders closed to others", async () => {
    const store = tempDir("facegate-perm-store-");
    const { dataset, people } = syntheticDataset({ people: 2, photos: 6 });
    await trainAndStore(
      dataset,
      people,
      runOptions(store, { head: { ...runOptions(store).head, maxEpochs: 3 } }),
    );
    const versions = join(store, "versions");
    const entries = modes(versions);
    assert.equal(entries.filter((e) => e.path.endsWith("gallery.json")).length, 1);
    // versions/ and each version folder shut others out; whatever lies deeper is then out of their reach.
    for (const e of [{ path: versions, mode: statSync(versions).mode & 0o777, dir: true }, ...entries]) {
      const depth = e.path.slice(versions.length).split("/").length - 1;
      if (e.dir && depth <= 1)
        assert.equal(e.mode & 0o007, 0, `${e.path} is ${octal(e.mode)}: others must not enter`);
      else if (!e.dir && !e.path.includes("/head/"))
        assert.equal(octal(e.mode), "0600", `${e.path} is ${octal(e.mode)}`);
    }
  });

  test("the classifier head's files are 0600 and all folders closed to others", async () => {
    const store = tempDir("facegate-perm-head-");
    const { dataset, people } = syntheticDataset({ people: 2, photos: 6 });
    await trainAndStore(
      dataset,
      people,
      runOptions(store, { head: { ...runOptions(store).head, maxEpochs: 2 } }),
    );
    for (const e of modes(join(store, "versions"))) {
      if (e.dir) assert.equal(e.mode & 0o007, 0, `${e.path} is ${octal(e.mode)}`);
      else assert.equal(octal(e.mode), "0600", `${e.path} is ${octal(e.mode)}`);
    }
  });

  test("restores the umask", () => {
    process.umask(umask);
  });
});

describe("MQTT command topic", () => {
  const parse = (s: string) => parseCommand(Buffer.from(s));

  test("accepts only the known commands", () => {
    for (const ok of ["reload", "status", " reload\n", '{"command":"reload"}', '{"command":"status"}'])
      assert.equal(parse(ok).ok, true, ok);
  });

  test("refuses unknown commands, extra fields, paths and oversized payloads", () => {
    const refused = [
      "",
      "shutdown",
      "RELOAD",
      "reload /etc/passwd",
      "../../etc/shadow",
      "/var/lib/facegate/gallery.json",
      '{"command":"reload","gallery":"/tmp/evil.json"}',
      '{"command":"reload","path":"../../etc/passwd"}',
      '{"command":"load","file":"/tmp/x"}',
      '{"command":"../reload"}',
      '{"command":["reload"]}',
      '{"command":"reload"',
      "[1,2]",
      "null",
      `{"command":"reload","pad":"${"x".repeat(2000)}"}`,
      "reload".padEnd(5000, " "),
    ];
    for (const payload of refused) {
      const r = parse(payload);
      assert.equal(r.ok, false, `refused: ${payload.slice(0, 60)}`);
      if (!r.ok) assert.ok(!r.reason.includes("/etc"), "the reason does not echo the payload");
    }
  });
});
