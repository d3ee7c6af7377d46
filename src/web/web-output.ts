import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { FaceEventMessage, PipelineBus, ReloadOutcome } from "../pipeline/bus.ts";
import type { Thresholds } from "../recognition/matcher.ts";
import type { WebSettings } from "../settings/load.ts";
import type { Logger } from "../system/logger.ts";
import { packageVersion } from "../system/version.ts";
import { apiPlugin } from "./api.ts";
import { WebAuth } from "./auth.ts";
import { CaptureGroupCache } from "./capture-groups.ts";
import type { CaptureRecorder } from "./capture-recorder.ts";
import { urlOf, type WebContext } from "./context.ts";
import { EventStream } from "./event-stream.ts";
import { LiveView } from "./live-view.ts";
import { buildWebServer, type WebPlugin } from "./server.ts";
import { sitePlugins } from "./site-plugins.ts";
import { Teacher, type TeacherOptions } from "./teacher.ts";

export interface WebOutputOptions {
  bus: PipelineBus;
  web: WebSettings;
  cameras: readonly string[];
  teacher: TeacherOptions;
  recorder: CaptureRecorder | null;
  /** Same-stranger thresholds for grouping unknown captures; null: no grouping (each capture alone). */
  groupThresholds: () => Thresholds | null;
  logger: Logger;
  /** Defaults to the site's plugins (the page); tests pass none. */
  plugins?: WebPlugin[];
  /** Failed logins per address and window (tests shorten them). */
  loginLimit?: { maxFailures: number; windowMs: number };
}

/** Thresholds no cosine reaches: every capture its own group. */
const NO_GROUPING: Thresholds = { full: 2, upper: 2 };

/**
 * The web room of the daemon: the page and its JSON API, a listener on the pipeline bus like the MQTT bridge (face
 * events for the event stream, names on the live view and last sightings; frames for the live view), changing
 * the gallery only through the Teacher (the CLI's gallery code). A port that cannot be opened is logged and the
 * daemon goes on without the page: recognition and MQTT matter more.
 */
export class WebOutput {
  readonly #ctx: WebContext;
  readonly #off: Array<() => void> = [];
  readonly #lastSeen = new Map<string, string>();
  #app: FastifyInstance | null = null;
  #url: string | null = null;

  constructor(private readonly options: WebOutputOptions) {
    const { web } = options;
    this.#ctx = {
      basePath: web.base_path,
      version: packageVersion(),
      auth: new WebAuth({
        password: web.password,
        cookiePath: web.base_path || "/",
        maxFailures: options.loginLimit?.maxFailures,
        windowMs: options.loginLimit?.windowMs,
      }),
      teacher: new Teacher(options.teacher),
      live: new LiveView(options.bus, options.cameras),
      events: new EventStream(),
      recorder: options.recorder,
      groupThresholds: () => options.groupThresholds() ?? NO_GROUPING,
      groups: new CaptureGroupCache(),
      lastSeen: this.#lastSeen,
      reload: options.teacher.reload,
      streams: new Set(),
    };
  }

  /** Where the page is served (`http://host:port/base/`), once listening; null otherwise. */
  get url(): string | null {
    return this.#url;
  }

  /** Long-lived responses open now: event streams and MJPEG streams. */
  get openStreams(): { events: number; mjpeg: number } {
    return { events: this.#ctx.events.clients, mjpeg: this.#ctx.streams.size };
  }

  /** The server (for tests that use `inject`). */
  get app(): FastifyInstance | null {
    return this.#app;
  }

  /** Builds the server and listens; resolves false (logged) when the address cannot be used. */
  async start(): Promise<boolean> {
    const { web, logger } = this.options;
    this.#listen();
    const site = this.options.plugins ?? sitePlugins;
    const app = await buildWebServer({
      logger,
      basePath: web.base_path,
      plugins: [apiPlugin(this.#ctx), ...(site.length > 0 ? site : [indexPlugin(this.#ctx)])],
    });
    this.#app = app;
    try {
      await app.listen({ host: web.host, port: web.port });
    } catch (err) {
      logger.error({ host: web.host, port: web.port, err: (err as Error).message }, listenProblem(err, web));
      await app.close();
      this.#app = null;
      return false;
    }
    const address = app.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    this.#url = `http://${host}:${address.port}${web.base_path}/`;
    logger.info(
      { url: this.#url, login: web.password !== undefined ? "password" : "none (loopback only)" },
      "web page and API listening",
    );
    return true;
  }

  async stop(): Promise<void> {
    for (const off of this.#off.splice(0)) off();
    // Long-lived responses first: the server's close waits for every open connection.
    this.#ctx.events.close();
    for (const end of [...this.#ctx.streams]) end();
    this.#ctx.live.stop();
    await this.#app?.close();
    this.#app = null;
    this.#url = null;
  }

  #listen(): void {
    const { bus, recorder } = this.options;
    const { events, live } = this.#ctx;
    live.start();
    const onFace = ({ event }: FaceEventMessage) => {
      if (event.type === "identified" && event.name !== null) this.#lastSeen.set(event.name, event.timestamp);
      events.send(null, event);
    };
    const onStatus = (s: { camera: string; state: string; reason: string }) =>
      events.send("camera", { camera: s.camera, state: s.state, reason: s.reason });
    const onReload = (r: ReloadOutcome) =>
      events.send("reload", r.ok ? { ok: true, people: r.people, trigger: r.trigger } : r);
    bus.on("face", onFace).on("camera_status", onStatus).on("reload", onReload);
    this.#off.push(() => bus.off("face", onFace).off("camera_status", onStatus).off("reload", onReload));
    if (recorder) {
      const onSaved = (c: { id: string; camera: string; time: string; name: string | null }) =>
        events.send("capture", { id: c.id, camera: c.camera, time: c.time, name: c.name });
      recorder.on("saved", onSaved);
      this.#off.push(() => recorder.off("saved", onSaved));
    }
  }
}

/** Without a page (none registered in site-plugins.ts) the root still answers: where the API is. */
function indexPlugin(ctx: WebContext): WebPlugin {
  return async (app) => {
    app.get("/", async () => ({ name: "facegate", version: ctx.version, api: urlOf(ctx, "/api/") }));
  };
}

function listenProblem(err: unknown, web: WebSettings): string {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${web.host}:${web.port}`;
  if (code === "EADDRINUSE")
    return `web: ${where} is already in use (another facegate, or another program): set web.port to a free port; running without the web page`;
  if (code === "EACCES")
    return `web: not allowed to listen on ${where} (ports below 1024 need privileges): set web.port above 1023; running without the web page`;
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return `web: ${web.host} is not an address of this machine: fix web.host; running without the web page`;
  return `web: cannot listen on ${where}; running without the web page`;
}
