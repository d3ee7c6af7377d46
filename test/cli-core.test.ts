import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import sharp from "sharp";
import { HAVE_MODELS, HAVE_SHARED, jsonLines, NO_SHARED, runCli, SHARED_DATA } from "./helpers/cli.ts";
import { tempDir } from "./helpers/temp-dir.ts";

const skip = !HAVE_SHARED ? NO_SHARED : !HAVE_MODELS ? "models/ absent: run npm ci" : false;

/** A PNG whose header claims 20000×20000 pixels: must be refused before any decoding. */
function hugePngHeader(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20000, 0);
  ihdr.writeUInt32BE(20000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", Buffer.alloc(16)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("facegate enroll / identify / gallery on real photos", { skip }, () => {
  const work = tempDir("facegate-cli-");
  const people = join(work, "people");
  const gallery = join(work, "state", "gallery.json");
  const probes: { file: string; name: string }[] = [];
  // Folder names with spaces and non-ASCII; photos are linked, never copied.
  const chosen: [string, string][] = [
    ["Angelina", "Ángelina Jolie"],
    ["Jack", "Jack Dorsey"],
    ["Scarlett", "Scarlett 🎬 J"],
  ];

  before(async () => {
    for (const [src, name] of chosen) {
      const files = readdirSync(join(SHARED_DATA, "deepface", src)).sort();
      mkdirSync(join(people, name), { recursive: true });
      for (const f of files.slice(0, files.length - 1))
        symlinkSync(join(SHARED_DATA, "deepface", src, f), join(people, name, f));
      probes.push({ file: join(SHARED_DATA, "deepface", src, files[files.length - 1]), name });
    }
    mkdirSync(join(people, "Empty Person"));
    const res = await runCli(["enroll", people, "--gallery", gallery]);
    assert.equal(res.code, 1, `enroll exits 1 because one folder is empty\n${res.stdout}${res.stderr}`);
    assert.match(res.stdout, /Empty Person: 0\/0 photos used — NOT enrolled: folder holds no images/);
    assert.match(res.stdout, /Ángelina Jolie: \d+\/\d+ photos used — enrolled/);
  });

  test("enrolled people are named on photos not used for enrollment; strangers are null", async () => {
    const strangers = readFileSync(join(SHARED_DATA, "lfw-dev", "manifest.tsv"), "utf8")
      .split("\n")
      .map((l) => l.split("\t"))
      .filter((r) => r[2] === "unknown" && r[3] === "0")
      .slice(0, 12)
      .map((r) => join(SHARED_DATA, "lfw-dev", r[1]));
    const res = await runCli([
      "identify",
      ...probes.map((p) => p.file),
      ...strangers,
      "--gallery",
      gallery,
      "--json",
    ]);
    assert.equal(res.code, 0, res.stderr);
    const lines = jsonLines(res.stdout);
    assert.equal(lines.length, probes.length + strangers.length, "one line per input");
    for (const [i, p] of probes.entries()) {
      const faces = lines[i].faces as {
        name: string | null;
        score: number;
        masked: boolean;
        box: number[];
      }[];
      assert.equal(lines[i].file, p.file);
      assert.ok(
        faces.some((f) => f.name === p.name),
        `${p.file} should name ${p.name}: ${JSON.stringify(faces)}`,
      );
      for (const f of faces) {
        assert.equal(typeof f.masked, "boolean");
        assert.ok(f.score >= 0 && f.score <= 1);
        assert.equal(f.box.length, 4);
      }
    }
    for (const line of lines.slice(probes.length)) {
      const faces = line.faces as { name: string | null }[];
      assert.ok(faces.length >= 1, `a face in ${line.file}`);
      assert.ok(
        faces.every((f) => f.name === null),
        `stranger named: ${JSON.stringify(line)}`,
      );
    }
  });

  test("bad inputs each give a clear error line and the run goes on", async () => {
    const bad = join(work, "bad");
    mkdirSync(join(bad, "empty-folder"), { recursive: true });
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#808080" } })
      .jpeg()
      .toBuffer();
    writeFileSync(join(bad, "zero.jpg"), "");
    writeFileSync(join(bad, "text.jpg"), "this is not an image\n");
    writeFileSync(join(bad, "truncated.jpg"), jpeg.subarray(0, jpeg.length / 2));
    writeFileSync(join(bad, "huge.png"), hugePngHeader());
    const rgba = await sharp({
      create: { width: 80, height: 60, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    writeFileSync(join(bad, "alpha.png"), rgba);
    writeFileSync(join(bad, "grey.png"), await sharp(jpeg).greyscale().png().toBuffer());
    writeFileSync(join(bad, "deep.png"), await sharp(jpeg).toColourspace("rgb16").png().toBuffer());
    const inputs = [
      "zero.jpg",
      "text.jpg",
      "truncated.jpg",
      "huge.png",
      "alpha.png",
      "grey.png",
      "deep.png",
      "empty-folder",
      "missing.jpg",
    ].map((f) => join(bad, f));
    const res = await runCli(["identify", ...inputs, probes[0].file, "--gallery", gallery, "--json"]);
    assert.equal(res.code, 1, "exit code 1: some inputs failed");
    const lines = jsonLines(res.stdout);
    const byFile = new Map(lines.map((l) => [l.file, l]));
    const err = (f: string) => String(byFile.get(join(bad, f))?.error ?? "");
    assert.match(err("zero.jpg"), /empty file/);
    assert.match(err("text.jpg"), /not a readable image/);
    assert.match(err("truncated.jpg"), /cannot decode|not a readable/);
    assert.match(err("huge.png"), /20000×20000.*limit/);
    assert.match(err("empty-folder"), /no images/);
    assert.match(err("missing.jpg"), /no such file/);
    for (const ok of ["alpha.png", "grey.png", "deep.png"])
      assert.deepEqual(byFile.get(join(bad, ok))?.faces, [], ok);
    assert.ok(
      ((byFile.get(probes[0].file)?.faces ?? []) as unknown[]).length > 0,
      "the good image after the bad ones is still analysed",
    );
    const table = await runCli(["identify", join(bad, "text.jpg"), probes[0].file, "--gallery", gallery]);
    assert.match(table.stdout, /ERROR: not a readable image/);
    assert.match(table.stdout, /Ángelina Jolie/);
  });

  test("thousands of paths in one call: one line each, models loaded once, no native crash", async () => {
    const tiny = join(work, "tiny.png");
    writeFileSync(
      tiny,
      await sharp({ create: { width: 24, height: 24, channels: 3, background: "#203040" } })
        .png()
        .toBuffer(),
    );
    const paths = Array.from({ length: 2500 }, () => tiny);
    // The trap is onnxruntime's start-up with a long command line, not detection: the one-pass detector keeps
    // 2,500 empty pictures quick (the cascade's second look would run 5 passes on each).
    const res = await runCli([
      "identify",
      ...paths,
      probes[1].file,
      "--gallery",
      gallery,
      "--json",
      "--detector",
      "blazeface",
    ]);
    assert.equal(res.signal, null, `killed by ${res.signal}: ${res.stderr}`);
    assert.equal(res.code, 0, res.stderr);
    const lines = jsonLines(res.stdout);
    assert.equal(lines.length, 2501);
    assert.ok((lines[2500].faces as { name: string }[]).some((f) => f.name === probes[1].name));
  });

  test("gallery list, info and remove", async () => {
    const list = await runCli(["gallery", "list", "--gallery", gallery, "--json"]);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { name: string }[]).map((p) => p.name).sort(),
      chosen.map(([, n]) => n).sort(),
    );
    const info = JSON.parse((await runCli(["gallery", "info", "--gallery", gallery, "--json"])).stdout);
    assert.equal(info.people, 3);
    assert.match(info.embedder, /^fr_feature-[0-9a-f]{8}$/);
    const rm = await runCli(["gallery", "remove", "Jack Dorsey", "--gallery", gallery]);
    assert.equal(rm.code, 0);
    const missing = await runCli(["gallery", "remove", "Nobody", "--gallery", gallery]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Nobody is not in the gallery/);
    const after = JSON.parse(
      (await runCli(["gallery", "list", "--gallery", gallery, "--json"])).stdout,
    ) as unknown[];
    assert.equal(after.length, 2);
  });

  test("usage errors exit 2 with the command's usage", async () => {
    const res = await runCli(["identify", "x.jpg"]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--gallery is required/);
    assert.match(res.stderr, /usage: facegate identify/);
    const damaged = join(work, "damaged.json");
    writeFileSync(damaged, '{"format":"facegate-gal');
    const res2 = await runCli(["identify", probes[0].file, "--gallery", damaged]);
    assert.equal(res2.code, 1);
    assert.match(res2.stderr, /not valid JSON/);
  });
});
