import type { FastifyInstance } from "fastify";
import { urlOf, type WebContext } from "../context.ts";
import { HttpError } from "../http-error.ts";
import { cameraParams, noQuery } from "../schemas.ts";

type CameraRequest = { Params: { name: string } };

const BOUNDARY = "facegate-frame";

const streamQuery = {
  type: "object",
  properties: { fps: { type: "number", minimum: 0.2, maximum: 10, default: 4 } },
  additionalProperties: false,
} as const;

/** Cameras: state and fps, the newest frame with boxes and names, and an MJPEG live view. */
export function registerCameraRoutes(app: FastifyInstance, ctx: WebContext): void {
  const known = (name: string) => {
    const status = ctx.live.status(name);
    if (!status) throw new HttpError(404, `no camera ${name}`);
    return status;
  };

  app.get("/api/cameras", { schema: { querystring: noQuery } }, async () =>
    ctx.live.cameras.map((name) => ({
      ...known(name),
      latest: urlOf(ctx, `/api/cameras/${name}/latest.jpg`),
      stream: urlOf(ctx, `/api/cameras/${name}/stream`),
    })),
  );

  app.get<CameraRequest>(
    "/api/cameras/:name/latest.jpg",
    { schema: { params: cameraParams, querystring: noQuery } },
    async (request, reply) => {
      known(request.params.name);
      const jpeg = await ctx.live.jpeg(request.params.name);
      if (!jpeg) throw new HttpError(503, `no frame from ${request.params.name} yet`, { "retry-after": "1" });
      return reply.type("image/jpeg").header("cache-control", "no-store").send(jpeg);
    },
  );

  /**
   * multipart/x-mixed-replace: one JPEG part whenever a newer frame is held, at most `fps` a second. Ends when the
   * client goes away (or the server stops); a client that cannot keep up gets fewer frames, never a backlog.
   */
  app.get<CameraRequest & { Querystring: { fps: number } }>(
    "/api/cameras/:name/stream",
    { schema: { params: cameraParams, querystring: streamQuery } },
    async (request, reply) => {
      const camera = request.params.name;
      known(camera);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
        "cache-control": "no-store",
        connection: "close",
        "x-accel-buffering": "no",
      });
      ctx.live.watch();
      let sent: number | null = null;
      let open = true;
      let timer: NodeJS.Timeout | null = null;
      const finish = () => {
        if (!open) return;
        open = false;
        if (timer) clearTimeout(timer);
        ctx.live.unwatch();
        ctx.streams.delete(finish);
        res.end();
      };
      ctx.streams.add(finish);
      res.on("close", finish);
      res.on("error", finish);
      const tick = async () => {
        if (!open) return;
        try {
          const at = ctx.live.frameTime(camera);
          if (at !== null && at !== sent && res.writableLength === 0) {
            const jpeg = await ctx.live.jpeg(camera);
            if (jpeg && open) {
              res.write(
                `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`,
              );
              res.write(jpeg);
              res.write("\r\n");
              sent = at;
            }
          }
        } catch {
          finish();
          return;
        }
        if (open) timer = setTimeout(tick, 1000 / request.query.fps);
      };
      void tick();
    },
  );
}
