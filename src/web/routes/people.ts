import type { FastifyInstance } from "fastify";
import type { Capture } from "../../recognition/capture-store.ts";
import { urlOf, type WebContext } from "../context.ts";
import { HttpError } from "../http-error.ts";
import { nameBody, nameParams, noQuery } from "../schemas.ts";
import { acceptBodies } from "../server.ts";
import { checkedName, summarise } from "../teacher.ts";

type NameParams = { Params: { name: string } };

/** People: list (with a face from their newest capture), add a photo, rename, remove. */
export function registerPeopleRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get("/api/people", { schema: { querystring: noQuery } }, async () => {
    const gallery = ctx.teacher.gallery();
    const captures = ctx.teacher.captures?.list() ?? [];
    const newest = new Map<string, Capture>();
    for (const c of captures) if (c.name !== null && !newest.has(c.name)) newest.set(c.name, c);
    return (gallery?.names() ?? []).map((name) => {
      const person = gallery?.people.get(name);
      const capture = newest.get(name);
      const seen = [ctx.lastSeen.get(name), capture?.time].filter((t): t is string => !!t).sort();
      return {
        ...summarise(person as NonNullable<typeof person>),
        last_seen: seen.at(-1) ?? null,
        thumbnail: capture ? urlOf(ctx, `/api/captures/${capture.id}/image`) : null,
      };
    });
  });

  app.post<NameParams & { Body: Buffer }>(
    "/api/people/:name/photos",
    { schema: { params: nameParams, querystring: noQuery }, preValidation: acceptBodies("image") },
    async (request, reply) => {
      const name = checkedName(request.params.name);
      if (!Buffer.isBuffer(request.body) || request.body.length === 0)
        throw new HttpError(400, "the body must be one JPEG or PNG image");
      const person = await ctx.teacher.addPhoto(name, request.body);
      return reply.code(201).send(person);
    },
  );

  app.delete<NameParams>(
    "/api/people/:name",
    { schema: { params: nameParams, querystring: noQuery } },
    async (request, reply) => {
      await ctx.teacher.removePerson(checkedName(request.params.name));
      return reply.code(204).send();
    },
  );

  app.post<NameParams & { Body: { to: string } }>(
    "/api/people/:name/rename",
    {
      schema: { params: nameParams, querystring: noQuery, body: nameBody("to") },
      preValidation: acceptBodies("json"),
    },
    async (request) => ctx.teacher.rename(checkedName(request.params.name), checkedName(request.body.to)),
  );
}
