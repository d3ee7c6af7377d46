import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import {
  forbiddenImports,
  parseLayerTable,
  roomCycles,
  roomImports,
  specifiersOf,
} from "./helpers/room-graph.ts";

// The rooms of src/ and which may import which: ARCHITECTURE.md's table is the one place this is written.
const SRC = resolve("src");
const table = parseLayerTable(readFileSync("ARCHITECTURE.md", "utf8"));

test("every folder of src/ is a room in ARCHITECTURE.md's table", () => {
  const folders = readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const missing = folders.filter((f) => !table.has(f));
  assert.deepEqual(missing, [], `add a row for ${missing.join(", ")} to ARCHITECTURE.md`);
});

test("no room imports a room the table does not allow", () => {
  const problems = forbiddenImports(roomImports(SRC), table);
  assert.deepEqual(problems, [], `forbidden imports:\n${problems.join("\n")}`);
});

test("no cycle between rooms", () => {
  assert.deepEqual(roomCycles(roomImports(SRC)), []);
});

test("the table itself is acyclic and names only its own rooms", () => {
  // forbiddenImports follows the table's chains; a cycle or an unknown room in it throws.
  assert.doesNotThrow(() => forbiddenImports([], table));
});

// The checks above pass on a clean tree; these show they fail on a violation (a test that cannot fail is no test).
const scratch = mkdtempSync(join(tmpdir(), "facegate-layers-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function house(files: Record<string, string>): string {
  const src = join(scratch, `src-${Math.random().toString(36).slice(2)}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(src, path, ".."), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  return src;
}

test("a lower room importing a higher one is reported, with the file", () => {
  const src = house({
    "vision/worker.ts": 'import { readClassNames } from "../training/keras/import-h5.ts";\n',
    "training/keras/import-h5.ts": 'import type { RgbImage } from "../../vision/types.ts";\n',
    "vision/types.ts": "export {};\n",
  });
  const problems = forbiddenImports(roomImports(src), table);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^vision\/worker\.ts imports .*: vision may not import training$/);
  assert.deepEqual(roomCycles(roomImports(src)), [["training", "vision"]]);
});

test("type-only, re-exported and dynamic imports count; unknown rooms are reported", () => {
  const src = house({
    "recognition/a.ts": 'export { slug } from "../mqtt/topics.ts";\n',
    "capture/b.ts": 'const x = await import("../pipeline/bus.ts");\n',
    "tracking/c.ts": 'import type {\n  Thing,\n} from "../cli/args.ts";\n',
    "gadgets/d.ts": 'import "../system/logger.ts";\n',
  });
  const problems = forbiddenImports(roomImports(src), table);
  assert.equal(problems.length, 4, problems.join("\n"));
  assert.ok(problems.some((p) => /recognition may not import mqtt/.test(p)));
  assert.ok(problems.some((p) => /capture may not import pipeline/.test(p)));
  assert.ok(problems.some((p) => /tracking may not import cli/.test(p)));
  assert.ok(problems.some((p) => /room "gadgets" is not in/.test(p)));
});

test("comment prose is not an import", () => {
  assert.deepEqual(specifiersOf(' * see src/mqtt/topics.ts, from "../mqtt/topics.ts" in prose\n'), []);
});

test("a table with a cycle is refused", () => {
  const cyclic = parseLayerTable(
    "<!-- layers:begin -->\n| `a` | `b` | x |\n| `b` | `a` | y |\n<!-- layers:end -->\n",
  );
  assert.throws(() => forbiddenImports([], cyclic), /cycle: a → b → a/);
});
