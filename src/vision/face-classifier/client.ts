import { Worker } from "node:worker_threads";
import type { Box, RgbImage } from "../types.ts";
import { closeWorker } from "../worker/close-worker.ts";
import type {
  ClassifierReady,
  ClassifyReply,
  ClassifyRequest,
  FaceClassifierConfig,
  FaceClassifierWorkerData,
} from "./protocol.ts";

// Same arrangement as the vision worker: .ts under tsx (tsx registered inside the worker first), .js compiled.
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(`./worker${FROM_SOURCE ? ".ts" : ".js"}`, import.meta.url);

function spawnWorker(workerData: FaceClassifierWorkerData): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData });
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}

type Pending = { resolve: (p: Float32Array[]) => void; reject: (e: Error) => void };

/**
 * A whole-face classifier (imported Keras model) in its own worker thread. `classify` sends one frame and the
 * face boxes in it; the worker crops, resizes, preprocesses and returns one softmax per box.
 */
export class FaceClassifierClient {
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  classes: string[] = [];
  backend = "";
  /** Milliseconds the worker spent on the last request (crop + inference), for stats and benchmarks. */
  lastMs = 0;

  constructor(private readonly config: FaceClassifierConfig) {}

  async start(): Promise<void> {
    const worker = spawnWorker({ config: this.config });
    const ready = await new Promise<ClassifierReady>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`face classifier exited (code ${code}) while loading`)));
    });
    worker.removeAllListeners("error");
    worker.removeAllListeners("exit");
    if (!ready.ready) {
      await worker.terminate();
      throw new Error(`face classifier: ${ready.error}`);
    }
    this.classes = ready.classes;
    this.backend = ready.backend;
    worker.on("message", (reply: ClassifyReply) => this.#settle(reply));
    worker.on("error", (err) => this.#failAll(err));
    worker.on("exit", (code) => this.#failAll(new Error(`face classifier exited (code ${code})`)));
    worker.unref();
    this.#worker = worker;
  }

  /** One softmax per box (frame pixels), in the order of `boxes`. */
  classify(image: RgbImage, boxes: Box[]): Promise<Float32Array[]> {
    if (boxes.length === 0) return Promise.resolve([]);
    const worker = this.#worker;
    if (!worker) return Promise.reject(new Error("face classifier is not running"));
    const req: ClassifyRequest = { id: this.#nextId++, image, boxes };
    if (this.#pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(req.id, { resolve, reject });
      worker.postMessage(req);
    });
  }

  async stop(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    if (!w) return;
    await closeWorker(w);
    this.#failAll(new Error("face classifier stopped"));
  }

  #settle(reply: ClassifyReply): void {
    const p = this.#pending.get(reply.id);
    if (!p) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker?.unref();
    if (reply.ok) {
      this.lastMs = reply.ms;
      p.resolve(reply.probs);
    } else p.reject(new Error(reply.error));
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
