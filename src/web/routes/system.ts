import type { FastifyInstance } from "fastify";
import type { WebContext } from "../context.ts";
import { HttpError } from "../http-error.ts";
import { noQuery } from "../schemas.ts";

/** Health (no auth, registered by the caller outside the auth check), reload, and the event stream. */
export function registerHealthRoute(app: FastifyInstance, ctx: WebContext): void {
  app.get("/api/health", { schema: { querystring: noQuery } }, async () => ({
    status: "ok",
    version: ctx.version,
  }));
}

export function registerSystemRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.post("/api/reload", { schema: { querystring: noQuery } }, async () => {
    if (!(await ctx.reload("web")))
      throw new HttpError(409, "reload failed: the gallery in use is kept (see facegate/error and the log)");
    return { reloaded: true, people: ctx.teacher.gallery()?.names() ?? [] };
  });

  /** Server-Sent Events: unnamed events carry the MQTT event payloads; `capture`, `camera`, `reload` are named. */
  app.get("/api/events", { schema: { querystring: noQuery } }, async (_request, reply) => {
    reply.hijack();
    ctx.events.add(reply.raw);
  });
}
