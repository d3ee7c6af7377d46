import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import { pageRoutes } from "../src/web/page.ts";
import { ROOT } from "./daemon-support.ts";

/**
 * The page as the server hands it out: built by the real build script (esbuild) into a temporary folder,
 * served by the page routes under a `base_path` prefix, with its cache headers, redirect and ingress base.
 */
describe("web page: build and serving", () => {
  const dir = mkdtempSync(join(tmpdir(), "facegate-ui-"));
  let buildLog = "";
  let app: FastifyInstance;
  let script = "";
  let style = "";

  before(async () => {
    buildLog = execFileSync(process.execPath, [join(ROOT, "scripts", "build-ui.mjs"), "--outdir", dir], {
      encoding: "utf8",
    });
    script = readdirSync(dir).find((f) => f.endsWith(".js")) ?? "";
    style = readdirSync(dir).find((f) => f.endsWith(".css")) ?? "";
    app = Fastify();
    await app.register((scope) => pageRoutes(scope, { dir }), { prefix: "/fg" });
    await app.ready();
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the build prints the gzipped JavaScript size and stays under 150 kB", () => {
    const match = /JavaScript total ([\d.]+) kB gzipped/.exec(buildLog);
    assert.ok(match, buildLog);
    assert.ok(Number(match[1]) > 1 && Number(match[1]) <= 150, buildLog);
    assert.match(script, /^main-[A-Z0-9]{8}\.js$/);
    assert.match(style, /^main-[A-Z0-9]{8}\.css$/);
  });

  it("serves the page at base_path/, never cached, naming its bundles by relative URLs", async () => {
    const res = await app.inject({ url: "/fg/" });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^text\/html/);
    assert.equal(res.headers["cache-control"], "no-cache");
    assert.match(String(res.headers["content-security-policy"]), /default-src 'self'/);
    assert.ok(res.body.includes(`src="${script}"`), res.body);
    assert.ok(res.body.includes(`href="${style}"`), res.body);
    assert.doesNotMatch(
      res.body,
      /(src|href)="(https?:)?\/\//,
      "nothing from another server (no CDN, no fonts)",
    );
    assert.doesNotMatch(res.body, /<base /);
  });

  it("redirects base_path without its slash, relatively (any proxy prefix stays)", async () => {
    const res = await app.inject({ url: "/fg?x=1" });
    assert.equal(res.statusCode, 308);
    assert.equal(res.headers.location, "fg/?x=1");
  });

  it("serves the hashed bundles for a year, gzipped when the browser takes it", async () => {
    const plain = await app.inject({ url: `/fg/${script}` });
    assert.equal(plain.statusCode, 200);
    assert.match(String(plain.headers["content-type"]), /^text\/javascript/);
    assert.equal(plain.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(plain.headers["content-encoding"], undefined);
    const zipped = await app.inject({ url: `/fg/${script}`, headers: { "accept-encoding": "gzip, br" } });
    assert.equal(zipped.headers["content-encoding"], "gzip");
    assert.equal(gunzipSync(zipped.rawPayload).toString(), plain.body);
    const css = await app.inject({ url: `/fg/${style}` });
    assert.match(String(css.headers["content-type"]), /^text\/css/);
    assert.doesNotMatch(css.body, /@import|url\(/, "no fonts or images from elsewhere");
  });

  it("answers 404 for anything else, including paths that try to leave the folder", async () => {
    for (const url of ["/fg/main-AAAAAAAA.js", "/fg/index.html", "/fg/..%2f..%2fpackage.json", "/fg/%00"]) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 404, url);
    }
  });

  it("takes Home Assistant ingress's prefix as the page's base, only when it is a plain path", async () => {
    const ingress = await app.inject({
      url: "/fg/",
      headers: { "x-ingress-path": "/api/hassio_ingress/abc_DEF-1" },
    });
    assert.ok(ingress.body.includes('<base href="/api/hassio_ingress/abc_DEF-1/">'), ingress.body);
    const hostile = await app.inject({
      url: "/fg/",
      headers: { "x-ingress-path": '/x"><script>alert(1)</script>' },
    });
    assert.doesNotMatch(hostile.body, /<base |alert/);
  });

  it("says how to build the page when it was never built", async () => {
    const bare = Fastify();
    const empty = mkdtempSync(join(tmpdir(), "facegate-ui-none-"));
    await bare.register((scope) => pageRoutes(scope, { dir: empty }));
    const res = await bare.inject({ url: "/" });
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /npm run build/);
    await bare.close();
    rmSync(empty, { recursive: true, force: true });
  });
});
