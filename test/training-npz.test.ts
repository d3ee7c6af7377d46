import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FaceDataset, NEGATIVE } from "../src/training/dataset.ts";
import { readDatasetNpz, writeDatasetNpz } from "../src/training/npz.ts";
import { crc32, readZip, writeZip } from "../src/training/zip.ts";

const dir = mkdtempSync(join(tmpdir(), "facegate-npz-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const hasNumpy = spawnSync("python3", ["-c", "import numpy"]).status === 0;
const numpySkip = hasNumpy ? false : "python3 with numpy is not installed";

function dataset(): FaceDataset {
  const dim = 4;
  const samples = [0, 1, 1, NEGATIVE].map((label, i) => ({
    label,
    aligned: { width: 112, height: 112, data: new Uint8Array(112 * 112 * 3).fill(10 * i + 1) },
    embedding: Float32Array.from({ length: dim }, (_, j) => i + j / 10),
    upper: i === 2 ? null : Float32Array.from({ length: dim }, (_, j) => -i - j / 10),
    masked: i === 1,
    augmented: i === 2,
    source: `phöto-${i}.jpg`,
    group: i === 2 ? 1 : i,
  }));
  return { names: ["Zoë", "Bob"], embedderId: "test-embedder", dim, samples };
}

test("crc32 matches the zip reference value", () => {
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
});

test("zip round-trips stored entries and rejects a damaged one", async () => {
  const zip = writeZip([
    { name: "a.npy", data: Buffer.from("hello") },
    { name: "b/ü.txt", data: new Uint8Array(0) },
  ]);
  const back = await readZip(zip, "t.zip");
  assert.deepEqual(
    back.map((e) => [e.name, Buffer.from(e.data).toString()]),
    [
      ["a.npy", "hello"],
      ["b/ü.txt", ""],
    ],
  );
  const damaged = Buffer.from(zip);
  damaged[30 + 5 + 2] ^= 0xff; // local header, name "a.npy", then its data
  await assert.rejects(readZip(damaged, "t.zip"), /CRC/);
  await assert.rejects(readZip(Buffer.from("not a zip at all, really"), "x"), /not a zip/);
});

test("dataset .npz round-trips through our reader", async () => {
  const path = join(dir, "d.npz");
  writeDatasetNpz(path, dataset());
  const back = await readDatasetNpz(path);
  assert.deepEqual(back.names, ["Zoë", "Bob"]);
  assert.equal(back.embedderId, "test-embedder");
  assert.equal(back.dim, 4);
  assert.deepEqual(
    back.samples.map((s) => s.label),
    [0, 1, 1, -1],
  );
  assert.equal(back.samples[3].aligned.data[5], 31);
  assert.equal(back.samples[2].upper, null);
  assert.ok(Math.abs((back.samples[1].embedding as Float32Array)[2] - 1.2) < 1e-6);
  assert.deepEqual(
    back.samples.map((s) => [s.masked, s.augmented, s.group, s.source]),
    dataset().samples.map((s) => [s.masked, s.augmented, s.group, s.source]),
  );
});

test("numpy reads the exported .npz without pickle", { skip: numpySkip }, () => {
  const path = join(dir, "np.npz");
  writeDatasetNpz(path, dataset());
  const out = execFileSync(
    "python3",
    [
      "-c",
      `import numpy as np, json, sys
d = np.load(sys.argv[1], allow_pickle=False)
print(json.dumps({"files": sorted(d.files), "x": [list(d["x"].shape), str(d["x"].dtype)], "y": d["y"].tolist(),
  "names": d["names"].tolist(), "px": int(d["x"][3, 0, 0, 0]), "emb": round(float(d["embedding"][1, 2]), 4),
  "embedder": str(d["embedder"]), "source": d["source"].tolist()}))`,
      path,
    ],
    { encoding: "utf8" },
  );
  const r = JSON.parse(out);
  assert.deepEqual(r.x, [[4, 112, 112, 3], "uint8"]);
  assert.deepEqual(r.y, [0, 1, 1, -1]);
  assert.deepEqual(r.names, ["Zoë", "Bob"]);
  assert.equal(r.px, 31);
  assert.equal(r.emb, 1.2);
  assert.equal(r.embedder, "test-embedder");
  assert.equal(r.source[1], "phöto-1.jpg");
  assert.ok(r.files.includes("x") && r.files.includes("y") && r.files.includes("names"));
});

test("an .npz made by numpy (compressed, int64 labels) is read", { skip: numpySkip }, async () => {
  const path = join(dir, "from-numpy.npz");
  const script = join(dir, "make.py");
  writeFileSync(
    script,
    `import numpy as np, sys
x = np.zeros((3, 112, 112, 3), np.uint8); x[2] = 7
np.savez_compressed(sys.argv[1], x=x, y=np.array([0, 1, 1]), names=np.array(["a", "bee"]))`,
  );
  execFileSync("python3", [script, path]);
  const back = await readDatasetNpz(path);
  assert.deepEqual(back.names, ["a", "bee"]);
  assert.deepEqual(
    back.samples.map((s) => s.label),
    [0, 1, 1],
  );
  assert.equal(back.samples[2].aligned.data[100], 7);
  assert.equal(back.samples[0].embedding, null);
  assert.equal(back.embedderId, null);
});

test("an .npz without names or with labels out of range is refused", async () => {
  const { encodeNpy } = await import("../src/training/npy-codec.ts");
  const x = { dtype: "uint8" as const, shape: [1, 112, 112, 3], data: new Uint8Array(112 * 112 * 3) };
  const noNames = join(dir, "nonames.npz");
  writeFileSync(
    noNames,
    writeZip([
      { name: "x.npy", data: encodeNpy(x) },
      { name: "y.npy", data: encodeNpy({ dtype: "int32", shape: [1], data: Int32Array.of(0) }) },
    ]),
  );
  await assert.rejects(readDatasetNpz(noNames), /no "names" array/);
  const bad = join(dir, "bad.npz");
  writeFileSync(
    bad,
    writeZip([
      { name: "x.npy", data: encodeNpy(x) },
      { name: "y.npy", data: encodeNpy({ dtype: "int32", shape: [1], data: Int32Array.of(5) }) },
      { name: "names.npy", data: encodeNpy({ dtype: "unicode", shape: [1], data: ["a"] }) },
    ]),
  );
  await assert.rejects(readDatasetNpz(bad), /label 5 is outside/);
});
