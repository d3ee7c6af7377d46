#!/usr/bin/env node
// Builds the web page (src/web/ui, Preact + TSX) into dist/ui with esbuild: one hashed JS and one hashed CSS
// file (cached for ever by the server), and index.html naming them (never cached). Run by `npm run build` and
// `prepare`, so `npm ci` produces it. Prints the sizes and fails when the JavaScript exceeds its budget
// (issue #11: ≤ 150 kB gzipped), so a heavy dependency cannot slip in unnoticed.
//
//   node scripts/build-ui.mjs [--outdir dist/ui] [--dev]     (--dev: not minified, with a source map)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const UI_SRC = join(ROOT, "src", "web", "ui");
export const DEFAULT_OUTDIR = join(ROOT, "dist", "ui");
/** The page's JavaScript budget, gzipped (issue #11). */
export const JS_BUDGET_GZIP = 150 * 1024;
/** Where the built asset tags go in src/web/ui/index.html. */
const ASSETS_MARK = "<!-- assets -->";

/**
 * Builds the page; returns what was written with raw and gzipped sizes. Throws when the JS budget is exceeded.
 * @param {{ outdir?: string, dev?: boolean, log?: (line: string) => void }} [options]
 */
export async function buildUi(options = {}) {
  const outdir = resolve(options.outdir ?? DEFAULT_OUTDIR);
  const dev = options.dev ?? false;
  const log = options.log ?? ((line) => console.log(line));
  // hashed names change with every edit: start empty so old bundles do not pile up
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(UI_SRC, "main.tsx")],
    outdir,
    bundle: true,
    format: "esm",
    // phones a few years old (Safari 15 = iOS 15, 2021; esbuild cannot lower destructuring for Safari 14)
    target: ["es2020", "safari15", "chrome90", "firefox90"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: !dev,
    sourcemap: dev,
    entryNames: "[name]-[hash]",
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
    define: { "process.env.NODE_ENV": dev ? '"development"' : '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => resolve(ROOT, p));
  const js = outputs.find((p) => p.endsWith(".js"));
  const css = outputs.find((p) => p.endsWith(".css"));
  if (!js || !css)
    throw new Error(`build-ui: expected one .js and one .css output, got ${outputs.join(", ")}`);
  const template = readFileSync(join(UI_SRC, "index.html"), "utf8");
  if (!template.includes(ASSETS_MARK)) throw new Error(`build-ui: index.html lacks the ${ASSETS_MARK} mark`);
  // relative URLs: the page works under any prefix (base_path, reverse proxy, Home Assistant ingress)
  const tags = `<link rel="stylesheet" href="${basename(css)}">\n<script type="module" src="${basename(js)}"></script>`;
  writeFileSync(join(outdir, "index.html"), template.replace(ASSETS_MARK, tags));

  const files = [js, css, join(outdir, "index.html")].map((path) => {
    const bytes = readFileSync(path);
    return { path, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  const jsGzip = files[0].gzip;
  for (const f of files) {
    log(`build-ui: ${relative(ROOT, f.path)}  ${kb(f.bytes)} (${kb(f.gzip)} gzipped)`);
  }
  log(`build-ui: JavaScript total ${kb(jsGzip)} gzipped (budget ${kb(JS_BUDGET_GZIP)})`);
  if (jsGzip > JS_BUDGET_GZIP) {
    throw new Error(
      `build-ui: the page's JavaScript is ${kb(jsGzip)} gzipped, over the ${kb(JS_BUDGET_GZIP)} budget`,
    );
  }
  return { outdir, files, jsGzip };
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} kB`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--outdir");
  try {
    await buildUi({ outdir: at >= 0 ? args[at + 1] : undefined, dev: args.includes("--dev") });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
