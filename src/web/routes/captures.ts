import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import type { Capture } from "../../recognition/capture-store.ts";
import { urlOf, type WebContext } from "../context.ts";
import { HttpError } from "../http-error.ts";
import { assignManyBody, captureIdParams, nameBody, noQuery, personName } from "../schemas.ts";
import { acceptBodies } from "../server.ts";
import { checkedName } from "../teacher.ts";

type IdParams = { Params: { id: string } };

/** A capture as the API shows it: no templates, its image as a URL. */
export function captureJson(ctx: WebContext, c: Capture, group: string | null = null) {
  return {
    id: c.id,
    camera: c.camera,
    time: c.time,
    name: c.name,
    score: c.score,
    masked: c.masked,
    track_id: c.track_id,
    image: urlOf(ctx, `/api/captures/${c.id}/image`),
    group,
    decided_name: c.decided_name,
    assigned: c.assigned,
    rejected: c.rejected,
    first_seen: c.first_seen,
    box: c.box,
  };
}

const listQuery = {
  type: "object",
  properties: {
    unknown: { type: "string", enum: ["0", "1", "true", "false"] },
    name: personName,
    camera: { type: "string", maxLength: 100 },
    limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
  },
  additionalProperties: false,
} as const;

/** Captures: list (unknown ones grouped by stranger), image, assign (one or many), reject, delete. */
export function registerCaptureRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Querystring: { unknown?: string; name?: string; camera?: string; limit: number } }>(
    "/api/captures",
    { schema: { querystring: listQuery } },
    async (request) => {
      const { unknown, name, camera, limit } = request.query;
      const all = ctx.teacher.captures?.list() ?? [];
      const unknowns = all.filter((c) => c.name === null);
      const groups = ctx.groups.groups(unknowns, ctx.groupThresholds());
      const wanted = name === undefined ? null : checkedName(name);
      return all
        .filter((c) => !(unknown === "1" || unknown === "true") || c.name === null)
        .filter((c) => wanted === null || c.name === wanted)
        .filter((c) => camera === undefined || c.camera === camera)
        .slice(0, limit)
        .map((c) => captureJson(ctx, c, groups.get(c.id) ?? null));
    },
  );

  app.get<IdParams>(
    "/api/captures/:id/image",
    { schema: { params: captureIdParams, querystring: noQuery } },
    async (request, reply) => {
      const path = ctx.teacher.captures?.imagePath(request.params.id);
      // A JPEG without its record is a capture being written or one half deleted: not there.
      const jpeg =
        path && ctx.teacher.captures?.get(request.params.id) ? await readFile(path).catch(() => null) : null;
      if (!jpeg) throw new HttpError(404, `no capture ${request.params.id}`);
      return reply.type("image/jpeg").header("cache-control", "private, max-age=86400, immutable").send(jpeg);
    },
  );

  app.post<IdParams & { Body: { name: string } }>(
    "/api/captures/:id/assign",
    {
      schema: { params: captureIdParams, querystring: noQuery, body: nameBody("name") },
      preValidation: acceptBodies("json"),
    },
    async (request) => {
      const { captures, person } = await ctx.teacher.assign(
        [request.params.id],
        checkedName(request.body.name),
      );
      return { capture: captureJson(ctx, captures[0]), person };
    },
  );

  // A stranger's group of visits named at once: one gallery write and one reload instead of one per capture.
  app.post<{ Body: { ids: string[]; name: string } }>(
    "/api/captures/assign",
    {
      schema: { querystring: noQuery, body: assignManyBody },
      preValidation: acceptBodies("json"),
    },
    async (request) => {
      const { captures, person } = await ctx.teacher.assign(request.body.ids, checkedName(request.body.name));
      return { captures: captures.map((c) => captureJson(ctx, c)), person };
    },
  );

  app.post<IdParams>(
    "/api/captures/:id/reject",
    { schema: { params: captureIdParams, querystring: noQuery } },
    async (request) => {
      const { capture, person } = await ctx.teacher.reject(request.params.id);
      return { capture: captureJson(ctx, capture), person };
    },
  );

  app.delete<IdParams>(
    "/api/captures/:id",
    { schema: { params: captureIdParams, querystring: noQuery } },
    async (request, reply) => {
      ctx.teacher.deleteCapture(request.params.id);
      return reply.code(204).send();
    },
  );
}
