import cookie from "@fastify/cookie";
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from "fastify";
import type { Logger } from "../system/logger.ts";
import { errorHandler, HttpError } from "./http-error.ts";

/** Largest request body (a photo upload): anything bigger is answered 413 before it is read. */
export const BODY_LIMIT = 10 * 1024 * 1024;

/**
 * A part of the site: registered under the base path, given the shared context. The API is one; the page (its
 * static files) is another — it adds itself in site-plugins.ts.
 */
export type WebPlugin = FastifyPluginAsync<Record<never, never>>;

export interface WebServerOptions {
  logger: Logger;
  /** "" or "/prefix": every route lives under it (reverse proxy, Home Assistant ingress). */
  basePath: string;
  plugins: WebPlugin[];
}

/** Request bodies the API reads, by media type: JSON, form posts (the login form) and images (photo uploads). */
export type BodyKind = "json" | "form" | "image";

function bodyKindOf(request: FastifyRequest): BodyKind | null {
  const type = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type === "application/json") return "json";
  if (type === "application/x-www-form-urlencoded") return "form";
  if (type.startsWith("image/")) return "image";
  return null;
}

/**
 * preValidation hook for a route with a body: 415 unless the body is one of `kinds`. Without it an image sent to
 * a JSON route would only fail schema validation (400), which says the wrong thing.
 */
export function acceptBodies(...kinds: BodyKind[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const kind = bodyKindOf(request);
    if (kind === null || !kinds.includes(kind))
      throw new HttpError(
        415,
        `unsupported content type "${request.headers["content-type"] ?? "none"}": expected ${kinds
          .map((k) => ({ json: "application/json", form: "a form", image: "image/jpeg or image/png" })[k])
          .join(" or ")}`,
      );
  };
}

/**
 * Builds the web server: Fastify with JSON-schema validation on every route (the plugins declare them), one
 * error handler (`{"error": "..."}`, never a stack trace), a 10 MB body limit, and the plugins under the base
 * path. Not listening yet.
 */
export async function buildWebServer(options: WebServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    // Percent-encoded Unicode names are long in the URL (up to 12 bytes a character); the schema limits them.
    routerOptions: { maxParamLength: 2000 },
    // Behind a reverse proxy on this machine the client's address (for the failed-login limit) is in
    // X-Forwarded-For; from anywhere else that header is the client's word, and ignored.
    trustProxy: "loopback",
  });
  app.setErrorHandler(errorHandler(options.logger));
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send({ error: `no such page or API route: ${request.method} ${request.url.split("?")[0]}` });
  });
  // Plain text is no body the API takes; without its parser it is a 415 like any other unknown type.
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser(/^image\//i, { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  await app.register(cookie);
  for (const plugin of options.plugins) await app.register(plugin, { prefix: options.basePath });
  return app;
}
