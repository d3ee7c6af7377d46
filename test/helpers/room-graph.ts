import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** room → the rooms it may import directly, as written in ARCHITECTURE.md's table. */
export type LayerTable = Map<string, string[]>;

/** Reads the table between `<!-- layers:begin -->` and `<!-- layers:end -->`: `| \`room\` | \`a\`, \`b\` | job |`. */
export function parseLayerTable(markdown: string): LayerTable {
  const begin = markdown.indexOf("<!-- layers:begin -->");
  const end = markdown.indexOf("<!-- layers:end -->");
  if (begin < 0 || end < begin) throw new Error("ARCHITECTURE.md has no layers:begin/layers:end table");
  const table: LayerTable = new Map();
  for (const line of markdown.slice(begin, end).split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const room = /^`([a-z0-9-]+)`$/.exec(cells[1] ?? "")?.[1];
    if (!room) continue;
    if (table.has(room)) throw new Error(`room ${room} is listed twice`);
    table.set(
      room,
      [...(cells[2] ?? "").matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]),
    );
  }
  return table;
}

/** Rooms each room may import: its own list and, following the chain, everything those may import. */
export function allowedImports(table: LayerTable): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const visit = (room: string, path: string[]): Set<string> => {
    const done = out.get(room);
    if (done) return done;
    if (path.includes(room)) throw new Error(`the layer table has a cycle: ${[...path, room].join(" → ")}`);
    const below = table.get(room);
    if (!below) throw new Error(`${path.at(-1)} may import ${room}, which is not a room in the table`);
    const all = new Set<string>();
    for (const b of below) {
      all.add(b);
      for (const x of visit(b, [...path, room])) all.add(x);
    }
    out.set(room, all);
    return all;
  };
  for (const room of table.keys()) visit(room, []);
  return out;
}

export interface RoomImport {
  from: string;
  to: string;
  /** The importing file and the specifier, for the failure message. */
  file: string;
  specifier: string;
}

// Static imports and re-exports (the specifier after `from`, or a bare `import "x"`) at the start of a
// statement, and dynamic `import("x")` anywhere (also in type positions). Comment prose never starts a line
// with `import`/`export`, so it is not mistaken for an import.
const STATIC = /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

export function specifiersOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(STATIC)) out.push(m[1] ?? m[2]);
  for (const m of source.matchAll(DYNAMIC)) out.push(m[1]);
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(e.name) ? [path] : [];
  });
}

/** The room (top-level folder of `src/`) a path is in; files directly in `src/` are the room "(src)". */
export function roomOf(srcDir: string, path: string): string {
  const parts = relative(srcDir, path).split(sep);
  return parts.length > 1 ? parts[0] : "(src)";
}

/** Every import from one room of `srcDir` into another (relative specifiers only: packages are not rooms). */
export function roomImports(srcDir: string): RoomImport[] {
  const out: RoomImport[] = [];
  for (const file of sourceFiles(srcDir)) {
    const from = roomOf(srcDir, file);
    for (const specifier of specifiersOf(readFileSync(file, "utf8"))) {
      if (!specifier.startsWith(".")) continue;
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(srcDir + sep)) continue;
      const to = roomOf(srcDir, target);
      if (to !== from) out.push({ from, to, file: relative(srcDir, file), specifier });
    }
  }
  return out;
}

/** Imports the table does not allow, and rooms that are not in the table at all. */
export function forbiddenImports(imports: RoomImport[], table: LayerTable): string[] {
  const allowed = allowedImports(table);
  const problems: string[] = [];
  for (const i of imports) {
    if (!table.has(i.from)) problems.push(`${i.file}: room "${i.from}" is not in ARCHITECTURE.md's table`);
    else if (!table.has(i.to))
      problems.push(`${i.file} imports ${i.specifier}: room "${i.to}" is not in ARCHITECTURE.md's table`);
    else if (!allowed.get(i.from)?.has(i.to))
      problems.push(`${i.file} imports ${i.specifier}: ${i.from} may not import ${i.to}`);
  }
  return problems;
}

/** Cycles between rooms (strongly connected components of more than one room), each as a list of rooms. */
export function roomCycles(imports: RoomImport[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const i of imports) {
    if (!edges.has(i.from)) edges.set(i.from, new Set());
    if (!edges.has(i.to)) edges.set(i.to, new Set());
    edges.get(i.from)?.add(i.to);
  }
  // Tarjan's algorithm.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) connect(v);
  return cycles;
}
