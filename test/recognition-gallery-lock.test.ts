/**
 * Gallery changes are serialised across processes by `<gallery>.lock` (system/file-lock.ts): real child processes
 * changing one gallery at once lose nothing, a lock left by a dead process is broken, a live one is waited for.
 * (The web API's assigns racing a real `facegate enroll` are in web-daemon.test.ts.)
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  readGalleryFile,
  updateGalleryFile,
  updateGalleryFileSync,
} from "../src/recognition/gallery-file.ts";
import { LockTimeoutError, withFileLock } from "../src/system/file-lock.ts";
import { REPO_ROOT } from "./helpers/cli.ts";

const WHO = { embedderId: "lock-test", dim: 4 };

/** A child process that adds `count` people to the gallery, one locked change each. */
const WRITER = `
import { updateGalleryFile } from ${JSON.stringify(join(REPO_ROOT, "src/recognition/gallery-file.ts"))};
const [path, prefix, count] = process.argv.slice(1);
for (let i = 0; i < Number(count); i++) {
  await updateGalleryFile(path, { embedderId: "lock-test", dim: 4 }, (g) => {
    g.put({ name: prefix + i, enrolledAt: new Date().toISOString(),
      templates: [{ space: "full", source: "x", masked: false, vector: new Float32Array([1, 0, 0, 0]) }] });
  });
}
`;

function runWriter(gallery: string, prefix: string, count: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", WRITER, gallery, prefix, String(count)],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    child.on("error", reject);
    child.on("exit", resolve);
  });
}

describe("gallery lock", () => {
  test("four processes adding people to one gallery at once lose none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "facegate-lock-"));
    const gallery = join(dir, "gallery");
    const codes = await Promise.all(["a", "b", "c", "d"].map((p) => runWriter(gallery, p, 15)));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const g = readGalleryFile(gallery);
    assert.equal(g?.people.size, 60);
    assert.equal(existsSync(`${gallery}.lock`), false, "the lock is released");
  });

  test("a lock left by a dead process is broken at once; a live holder is waited for, then reported", async () => {
    const dir = mkdtempSync(join(tmpdir(), "facegate-lock-"));
    const gallery = join(dir, "gallery");
    // pid 2^22+1 is beyond Linux's pid_max default: nobody has it.
    writeFileSync(`${gallery}.lock`, JSON.stringify({ pid: 4194305, at: "2020-01-01T00:00:00Z" }));
    const started = Date.now();
    await updateGalleryFile(gallery, WHO, (g) => g.put({ name: "Anna", enrolledAt: "x", templates: [] }));
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(readGalleryFile(gallery)?.names(), ["Anna"]);

    // The parent of this test process is alive: its lock is respected until the timeout.
    writeFileSync(`${gallery}.lock`, JSON.stringify({ pid: process.ppid, at: "2020-01-01T00:00:00Z" }));
    assert.throws(
      () => updateGalleryFileSync(gallery, WHO, () => {}, { timeoutMs: 200 }),
      (e: Error) => e instanceof LockTimeoutError && /held by process \d+/.test(e.message),
    );
    await assert.rejects(
      updateGalleryFile(gallery, WHO, () => {}, { timeoutMs: 200 }),
      (e: Error) => e instanceof LockTimeoutError,
    );
    assert.deepEqual(readGalleryFile(gallery)?.names(), ["Anna"], "nothing written while locked");
  });

  test("callers in one process take turns; a failed change writes nothing and releases the lock", async () => {
    const dir = mkdtempSync(join(tmpdir(), "facegate-lock-"));
    const gallery = join(dir, "gallery");
    const order: string[] = [];
    await Promise.all(
      ["a", "b", "c"].map((name) =>
        withFileLock(`${gallery}.lock`, async () => {
          order.push(`${name}+`);
          await new Promise((r) => setTimeout(r, 20));
          order.push(`${name}-`);
        }),
      ),
    );
    assert.deepEqual(order, ["a+", "a-", "b+", "b-", "c+", "c-"]);
    await assert.rejects(
      updateGalleryFile(gallery, WHO, () => {
        throw new Error("refused");
      }),
      /refused/,
    );
    assert.equal(existsSync(gallery), false);
    assert.equal(existsSync(`${gallery}.lock`), false);
  });
});
