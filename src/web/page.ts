import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * The web page: `dist/ui` as built by `scripts/build-ui.mjs` (index.html, one hashed JS and one hashed CSS file),
 * read into memory once (a few tens of kB) and served under the server's prefix (`web.base_path`).
 *
 * Every URL in the page is relative (`api/people`, `main-3F2A.js`), so the page works wherever it is mounted: at
 * `base_path`, behind a reverse proxy that strips its own prefix, or behind Home Assistant ingress (whose external
 * prefix arrives as `X-Ingress-Path` and becomes the page's `<base href>`). It only needs to be loaded from a URL
 * ending in `/`: `{base_path}` without it is redirected there.
 *
 * Caching: the hashed files never change (`immutable`, one year); index.html is revalidated on every load, so a
 * new version is picked up at once.
 */

/** `dist/ui` of the package, the same from `src/web` (tsx) and `dist/web` (compiled). */
export const DEFAULT_UI_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "ui");

/** What esbuild names the bundles (`[name]-[hash]`); nothing else is served. */
const ASSET_NAME = /^[A-Za-z0-9_-]+-[A-Z0-9]{8}\.(js|css)$/;
const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};
/** A path prefix a proxy may announce; anything else is ignored (it ends up inside the HTML). */
const INGRESS_PATH = /^(\/[A-Za-z0-9._~-]+)+$/;

/** Everything comes from this server: no CDN, no inline script; images also from `blob:` (photo previews). */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join("; ");

interface Asset {
  body: Buffer;
  /** The same bytes gzipped once at start (a third of the size over a phone's Wi-Fi). */
  gzip: Buffer;
  type: string;
}

interface BuiltPage {
  index: string;
  assets: Map<string, Asset>;
}

export interface PageOptions {
  /** Folder of the built page; default `dist/ui` of the package. */
  dir?: string;
}

/** Reads the built page, or null when it was never built (a checkout without `npm run build`). */
function loadPage(dir: string): BuiltPage | null {
  const indexPath = join(dir, "index.html");
  if (!existsSync(indexPath)) return null;
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const match = ASSET_NAME.exec(name);
    if (!match) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { body, gzip: gzipSync(body, { level: 9 }), type: CONTENT_TYPES[match[1]] });
  }
  return { index: readFileSync(indexPath, "utf8"), assets };
}

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    .header("X-Content-Type-Options", "nosniff")
    .header("Referrer-Policy", "no-referrer");
}

/** The page's HTML for one request: with `<base href>` when Home Assistant ingress says where it is mounted. */
function renderIndex(index: string, request: FastifyRequest): string {
  const ingress = request.headers["x-ingress-path"];
  if (typeof ingress !== "string" || !INGRESS_PATH.test(ingress)) return index;
  return index.replace("<head>", `<head>\n<base href="${ingress}/">`);
}

/**
 * Registers `GET /` (the page) and `GET /<bundle>` (its hashed files). Register it inside the server's
 * `base_path` prefix, beside `/api`.
 */
export async function pageRoutes(app: FastifyInstance, options: PageOptions = {}): Promise<void> {
  const page = loadPage(options.dir ?? DEFAULT_UI_DIR);

  app.get("/", { schema: { querystring: { type: "object" } } }, async (request, reply) => {
    const path = request.url.split("?")[0];
    if (!path.endsWith("/")) {
      // relative URLs resolve against the folder: `/facegate` → `/facegate/` (relative, so any proxy prefix stays)
      const last = path.slice(path.lastIndexOf("/") + 1);
      const query = request.url.slice(path.length);
      return reply.code(308).header("Location", `${last}/${query}`).send();
    }
    if (!page) {
      return reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send(
          "The facegate web page is not built: run `npm run build` in the facegate folder, then restart.\n",
        );
    }
    return pageHeaders(reply)
      .header("Cache-Control", "no-cache")
      .type("text/html; charset=utf-8")
      .send(renderIndex(page.index, request));
  });

  app.get<{ Params: { asset: string } }>(
    "/:asset",
    {
      schema: {
        params: {
          type: "object",
          properties: { asset: { type: "string", maxLength: 200 } },
          required: ["asset"],
        },
      },
    },
    async (request, reply) => {
      const asset = page?.assets.get(request.params.asset);
      if (!asset) return reply.code(404).send({ error: "not found" });
      pageHeaders(reply)
        .header("Cache-Control", "public, max-age=31536000, immutable")
        .header("Vary", "Accept-Encoding")
        .type(asset.type);
      if (!/\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""))) return reply.send(asset.body);
      return reply.header("Content-Encoding", "gzip").send(asset.gzip);
    },
  );
}
