import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runImportH5 } from "../src/cli/commands/import-h5.ts";

const FIXTURE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../shared/fixtures/keras/gender_mini_XCEPTION.21-0.95.hdf5",
);

/** Runs the command while collecting what it prints. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...args: unknown[]) => out.push(args.join(" "));
  console.error = (...args: unknown[]) => err.push(args.join(" "));
  try {
    const code = await runImportH5(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe("facegate import-h5", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "facegate-import-h5-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prints usage and returns 2 for wrong arguments", async () => {
    const result = await run(["only-one-arg"]);
    assert.equal(result.code, 2);
    assert.match(result.err, /usage: facegate import-h5/);
    assert.equal((await run(["a", "b", "--bogus"])).code, 2);
  });

  it("returns 1 with a one-line error for a missing file", async () => {
    const result = await run([path.join(dir, "missing.h5"), path.join(dir, "out")]);
    assert.equal(result.code, 1);
    assert.match(result.err, /^import-h5: .*missing\.h5: no such file$/);
  });

  it("returns 1 with a one-line error for a file that is not HDF5", async () => {
    const file = path.join(dir, "model.h5");
    await writeFile(file, JSON.stringify({ hello: "world" }));
    const result = await run([file, path.join(dir, "out")]);
    assert.equal(result.code, 1);
    assert.match(result.err, /^import-h5: .*model\.h5: not an HDF5 file/);
    assert.equal(result.err.split("\n").length, 1);
    assert.ok(!existsSync(path.join(dir, "out")));
  });

  it("converts a real model and prints a summary", {
    skip: existsSync(FIXTURE) ? false : `fixture not found at ${FIXTURE} (../shared is absent)`,
  }, async () => {
    const classes = path.join(dir, "classes.txt");
    await writeFile(classes, "woman\nman\n");
    const out = path.join(dir, "gender");
    const result = await run([FIXTURE, out, "--class-names", classes]);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /layers: 45/);
    assert.match(result.out, /params: 52,658/);
    assert.match(result.out, /input: {2}\[batch, 64, 64, 1\]/);
    assert.match(result.out, /output: \[batch, 2\]/);
    assert.match(result.out, /classes: woman, man/);
    assert.deepEqual((await readdir(out)).sort(), ["model.json", "weights.bin"]);
    // No temporary folders are left next to the output.
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.includes(".tmp-") || n.includes(".old-")),
      [],
    );
  });
});
