import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parentPort, Worker } from "node:worker_threads";
import { ClassNamesError, ImageError, ModelMissingError, WorkerExitedError } from "../errors.ts";

/**
 * The one request/reply protocol between a model worker thread and its client (the vision worker, the face
 * classifier): spawn, ready handshake, pending map, settle, fail-all, close, and restart with backoff when the
 * worker dies. Errors keep their class across the boundary: the worker sends name, message, code and the
 * error's own plain fields; the client rebuilds the project's typed errors from them.
 */

// ---- errors across the boundary ------------------------------------------------------------------------

export interface SerializedError {
  name: string;
  message: string;
  /** The error's own plain fields (`code`, `path`, ...). */
  fields: Record<string, string | number | boolean | null>;
}

/** Typed errors a worker may throw that callers test with `instanceof`. */
const ERROR_CLASSES: Record<string, { prototype: Error }> = {
  ImageError,
  ModelMissingError,
  ClassNamesError,
  TypeError,
  RangeError,
};

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: "Error", message: String(err), fields: {} };
  const fields: SerializedError["fields"] = {};
  for (const [key, value] of Object.entries(err)) {
    if (value === null || ["string", "number", "boolean"].includes(typeof value))
      fields[key] = value as string | number | boolean | null;
  }
  return { name: err.name, message: err.message, fields };
}

/** The error as the worker threw it: same class for the project's typed errors, same name, message and fields. */
export function rebuildError(e: SerializedError): Error {
  const cls = ERROR_CLASSES[e.name];
  const err: Error = cls ? Object.create(cls.prototype) : new Error(e.message);
  Object.defineProperty(err, "message", { value: e.message, writable: true, configurable: true });
  Object.assign(err, e.fields);
  Object.defineProperty(err, "name", { value: e.name, writable: true, configurable: true });
  if (cls) Error.captureStackTrace(err, rebuildError);
  return err;
}

// ---- messages --------------------------------------------------------------------------------------------

type Ready<Info> = { ready: true; info: Info } | { ready: false; error: SerializedError };
type Call<Req> = { kind: "call"; id: number; body: Req };
type Close = { kind: "close" };
type Reply<Res> = { id: number; ok: true; body: Res } | { id: number; ok: false; error: SerializedError };

// ---- worker side -----------------------------------------------------------------------------------------

export interface WorkerService<Info, Req, Res> {
  /** What the client learns once the models are loaded (ids, class names...). */
  info: Info;
  handle(req: Req): Promise<Res> | Res;
  close(): Promise<void> | void;
}

/**
 * Runs inside the worker thread: loads (`load()` failing is reported to the client, which throws it from
 * `start()`), then answers calls one by one until the client closes it.
 *
 * Test hook: when `FACEGATE_TEST_WORKER_EXIT_DIR` is set, a file named `hookName` in that folder makes the worker
 * die on its next call (and is removed, so the restarted worker lives): content "throw" = an unhandled error,
 * anything else = `process.exit(70)`. This is how the tests kill a worker inside a running daemon.
 */
export async function serveWorker<Info, Req, Res>(
  hookName: string,
  load: () => Promise<WorkerService<Info, Req, Res>>,
): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error(`${hookName} must run in a worker thread`);
  let service: WorkerService<Info, Req, Res>;
  try {
    service = await load();
  } catch (err) {
    port.postMessage({ ready: false, error: serializeError(err) } satisfies Ready<Info>);
    process.exit(0);
  }
  port.postMessage({ ready: true, info: service.info } satisfies Ready<Info>);
  const hookDir = process.env.FACEGATE_TEST_WORKER_EXIT_DIR;
  const hookFile = hookDir ? join(hookDir, hookName) : null;
  port.on("message", async (msg: Call<Req> | Close) => {
    if (msg.kind === "close") {
      await service.close();
      port.close();
      return;
    }
    if (hookFile && existsSync(hookFile)) dieForTest(hookFile);
    let reply: Reply<Res>;
    try {
      reply = { id: msg.id, ok: true, body: await service.handle(msg.body) };
    } catch (err) {
      reply = { id: msg.id, ok: false, error: serializeError(err) };
    }
    port.postMessage(reply);
  });
}

function dieForTest(hookFile: string): void {
  const how = readFileSync(hookFile, "utf8").trim();
  rmSync(hookFile, { force: true });
  // Thrown from the message handler, outside its try: an unhandled rejection, which ends a worker thread.
  if (how === "throw") throw new Error("test hook: uncaught error in the worker");
  process.exit(70);
}

// ---- client side -----------------------------------------------------------------------------------------

// Source runs as .ts under tsx and as .js once compiled: a worker file has the same extension as this one.
const FROM_SOURCE = import.meta.url.endsWith(".ts");

/** The URL of a worker entry file next to `base` (pass `import.meta.url`), .ts from source, .js compiled. */
export function workerUrl(name: string, base: string): URL {
  return new URL(`./${name}${FROM_SOURCE ? ".ts" : ".js"}`, base);
}

/** Node 20 does not apply the parent's loaders to a worker's entry file: from source, register tsx inside it first. */
export function spawnWorker(
  url: URL,
  options: { workerData: unknown; stackSizeMb?: number; maxYoungGenerationSizeMb?: number },
): Worker {
  const resourceLimits = {
    ...(options.stackSizeMb ? { stackSizeMb: options.stackSizeMb } : {}),
    ...(options.maxYoungGenerationSizeMb
      ? { maxYoungGenerationSizeMb: options.maxYoungGenerationSizeMb }
      : {}),
  };
  const { workerData } = options;
  if (!FROM_SOURCE) return new Worker(url, { workerData, resourceLimits });
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true, workerData, resourceLimits });
}

/** Pino-compatible subset, so this room needs no logger of its own. */
export interface RpcLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RestartBackoff {
  /** First delay after an unexpected exit. Default 500 ms. */
  initialMs?: number;
  /** The delay doubles after each exit, up to this. Default 30 s. */
  maxMs?: number;
  /** A worker that ran this long without dying counts as healthy: the next delay starts over. Default 60 s. */
  healthyAfterMs?: number;
}

export interface WorkerRpcOptions {
  /** For messages and logs: "vision worker", "face classifier". */
  name: string;
  spawn: () => Worker;
  logger?: RpcLogger;
  backoff?: RestartBackoff;
}

type Pending<Res> = { resolve: (r: Res) => void; reject: (e: Error) => void };

/**
 * The client side: `start()` spawns the worker and waits for its models; `call()` sends one request. A worker
 * that exits unexpectedly (uncaught error, out of memory) fails the calls in flight with `WorkerExitedError` and
 * is spawned again after a backoff (0.5 s doubling to 30 s, reset after a healthy minute); calls made meanwhile
 * wait for the new worker. `restarts` counts the successful restarts.
 */
export class WorkerRpc<Info, Req, Res> {
  readonly #options: WorkerRpcOptions;
  readonly #pending = new Map<number, Pending<Res>>();
  #worker: Worker | null = null;
  #nextId = 1;
  #restarts = 0;
  #closed = false;
  #startedAt = 0;
  #delayMs = 0;
  #timer: NodeJS.Timeout | null = null;
  /** While the worker is down: settles when the next attempt has a worker running (or has failed). */
  #revival: Promise<void> | null = null;
  #revived: (() => void) | null = null;

  constructor(options: WorkerRpcOptions) {
    this.#options = options;
  }

  get name(): string {
    return this.#options.name;
  }

  /** Calls waiting for a reply. */
  get busy(): number {
    return this.#pending.size;
  }

  /** Times the worker was brought back after dying. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Spawns the worker and waits until its models are loaded; throws the worker's own error when they cannot be. */
  async start(): Promise<Info> {
    this.#closed = false;
    return this.#spawn();
  }

  call(body: Req): Promise<Res> {
    if (this.#closed) return Promise.reject(new Error(`${this.name} is not running`));
    const worker = this.#worker;
    if (worker) return this.#send(worker, body);
    const revival = this.#revival;
    if (!revival) return Promise.reject(new Error(`${this.name} is not running`));
    return revival.then(() => {
      const next = this.#worker;
      if (!next)
        throw this.#closed
          ? new Error(`${this.name} stopped`)
          : new WorkerExitedError(this.name, "it could not be restarted yet");
      return this.#send(next, body);
    });
  }

  /** Asks the worker to release its models and waits for it to exit (terminated after 2 s); fails what is pending. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    // Calls waiting for a restart that will not come fail now.
    this.#revived?.();
    const worker = this.#worker;
    this.#worker = null;
    if (worker) {
      // This exit is wanted: the restart listener goes first.
      worker.off("exit", this.#onExit).off("error", this.#onError);
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.postMessage({ kind: "close" } satisfies Close);
      const kill = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(kill);
    }
    this.#failAll(new Error(`${this.name} stopped`));
  }

  #send(worker: Worker, body: Req): Promise<Res> {
    const id = this.#nextId++;
    if (this.#pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ kind: "call", id, body } satisfies Call<Req>);
    });
  }

  async #spawn(): Promise<Info> {
    const worker = this.#options.spawn();
    let cause: Error | null = null;
    const onError = (err: Error) => {
      cause = err;
    };
    let onExit: (code: number) => void = () => {};
    const ready = await new Promise<Ready<Info>>((resolve, reject) => {
      onExit = (code) => {
        const why = cause ? `: ${cause.message}` : "";
        reject(new Error(`${this.name} exited (code ${code}) while loading models${why}`));
      };
      worker.on("error", onError).once("exit", onExit).once("message", resolve);
    });
    // Only our own listeners go: Worker keeps internal ones (removeAllListeners() would stop its message port).
    worker.off("error", onError).off("exit", onExit);
    if (!ready.ready) {
      await worker.terminate();
      throw rebuildError(ready.error);
    }
    if (this.#closed) {
      await worker.terminate();
      throw new Error(`${this.name} stopped`);
    }
    worker.on("message", (reply: Reply<Res>) => this.#settle(worker, reply));
    worker.on("error", this.#onError).on("exit", this.#onExit);
    worker.unref();
    this.#worker = worker;
    this.#startedAt = Date.now();
    return ready.info;
  }

  #settle(worker: Worker, reply: Reply<Res>): void {
    const p = this.#pending.get(reply.id);
    if (!p) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) worker.unref();
    if (reply.ok) p.resolve(reply.body);
    else p.reject(rebuildError(reply.error));
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  // An uncaught error or out-of-memory in the worker: "error" comes first, then "exit", which does the work.
  #exitCause: Error | null = null;
  readonly #onError = (err: Error) => {
    this.#exitCause = err;
  };

  readonly #onExit = (code: number) => {
    this.#worker = null;
    const cause = this.#exitCause;
    this.#exitCause = null;
    const detail = `code ${code}${cause ? `, ${cause.message}` : ""}`;
    this.#failAll(new WorkerExitedError(this.name, detail));
    if (this.#closed) return;
    const { initialMs = 500, healthyAfterMs = 60_000 } = this.#options.backoff ?? {};
    const healthy = Date.now() - this.#startedAt >= healthyAfterMs;
    this.#delayMs = healthy || this.#delayMs === 0 ? initialMs : this.#nextDelay();
    this.#options.logger?.error(
      { worker: this.name, code, err: cause?.message, restarts: this.#restarts, retry_in_ms: this.#delayMs },
      `${this.name} exited; restarting it`,
    );
    this.#revive();
  };

  #nextDelay(): number {
    const { initialMs = 500, maxMs = 30_000 } = this.#options.backoff ?? {};
    return Math.min(Math.max(this.#delayMs, initialMs) * 2, maxMs);
  }

  /** Spawns a new worker after the current delay; a failed attempt tries again with a longer one. */
  #revive(): void {
    this.#revival = new Promise<void>((settled) => {
      this.#revived = settled;
      this.#timer = setTimeout(async () => {
        this.#timer = null;
        if (this.#closed) return settled();
        try {
          await this.#spawn();
          this.#restarts++;
          this.#options.logger?.info(
            { worker: this.name, restarts: this.#restarts },
            `${this.name} restarted`,
          );
          this.#revival = null;
          this.#revived = null;
          settled();
        } catch (err) {
          if (this.#closed) return settled();
          this.#delayMs = this.#nextDelay();
          this.#options.logger?.error(
            { worker: this.name, err: (err as Error).message, retry_in_ms: this.#delayMs },
            `${this.name} could not be restarted; trying again`,
          );
          // Calls waiting on this attempt fail now rather than wait for ever; later calls wait for the next one.
          settled();
          this.#revive();
        }
      }, this.#delayMs);
    });
  }
}
