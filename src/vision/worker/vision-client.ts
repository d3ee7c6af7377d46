import { Worker } from "node:worker_threads";
import type { AnalyzedFace, AnalyzerOptions } from "../analyzer.ts";
import { ImageError, ModelMissingError } from "../errors.ts";
import type { VisionConfig } from "../factory.ts";
import type { RgbImage } from "../types.ts";
import { closeWorker } from "./close-worker.ts";
import type { VisionReady, VisionReply, VisionRequest, VisionWorkerData } from "./protocol.ts";

export interface AnalysisResult {
  faces: AnalyzedFace[];
  /** Original image size (after EXIF rotation). */
  width: number;
  height: number;
}

type Pending = { resolve: (r: AnalysisResult) => void; reject: (e: Error) => void };

// Source runs as .ts under tsx and as .js once compiled: the worker file has the same extension as this one.
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(`./vision-worker${FROM_SOURCE ? ".ts" : ".js"}`, import.meta.url);

/** Node 20 does not apply the parent's loaders to a worker's entry file: from source, register tsx inside it first. */
function spawnWorker(workerData: VisionWorkerData): Worker {
  const resourceLimits = { stackSizeMb: workerStackMb() };
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData, resourceLimits });
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(code, { eval: true, workerData, resourceLimits });
}

/**
 * onnxruntime 1.30 recurses once per few bytes of the process's command line while it initialises (seen in gdb:
 * a three-frame cycle inside libonnxruntime, ~86k frames deep for a few hundred paths), so the thread that creates
 * the first session needs stack in proportion to the command line: `identify` with thousands of paths overflows
 * the main thread's 8 MiB and a default 4 MiB worker. Only touched pages are committed, so a generous reservation
 * costs address space, not memory.
 */
function workerStackMb(): number {
  const cmdlineBytes = process.argv.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
  return Math.max(16, Math.ceil((cmdlineBytes * 256) / 2 ** 20) + 16);
}

/** The vision models running in a worker thread, loaded once, used by the CLI and the daemon alike. */
export class VisionClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  embedderId = "";
  embedderDim = 0;
  detectorId = "";
  maskClassifierId: string | null = null;
  upperProjectionId: string | null = null;

  constructor(private readonly config: VisionConfig) {}

  async start(): Promise<void> {
    const data: VisionWorkerData = { config: this.config };
    const worker = spawnWorker(data);
    const onError = (reject: (e: Error) => void) => (err: Error) => reject(err);
    const onExit = (reject: (e: Error) => void) => (code: number) =>
      reject(new Error(`vision worker exited (code ${code}) while loading models`));
    let listeners: { error: (e: Error) => void; exit: (c: number) => void } | undefined;
    const ready = await new Promise<VisionReady>((resolve, reject) => {
      listeners = { error: onError(reject), exit: onExit(reject) };
      worker.once("message", resolve);
      worker.once("error", listeners.error);
      worker.once("exit", listeners.exit);
    });
    // Only our own listeners go: Worker keeps internal ones (removeAllListeners() would stop its message port).
    if (listeners) {
      worker.off("error", listeners.error);
      worker.off("exit", listeners.exit);
    }
    if (!ready.ready) {
      await worker.terminate();
      throw ready.errorName === "ModelMissingError"
        ? Object.assign(new Error(ready.error), { name: ready.errorName })
        : new Error(ready.error);
    }
    Object.assign(this, {
      embedderId: ready.embedderId,
      embedderDim: ready.embedderDim,
      detectorId: ready.detectorId,
      maskClassifierId: ready.maskClassifierId,
      upperProjectionId: ready.upperProjectionId,
    });
    worker.on("message", (reply: VisionReply) => this.settle(reply));
    worker.on("error", (err) => this.failAll(err));
    worker.on("exit", (code) => this.failAll(new Error(`vision worker exited (code ${code})`)));
    worker.unref();
    this.worker = worker;
  }

  /** Decodes and analyses an encoded image (JPEG, PNG, ...). Rejects with ImageError for unusable input. */
  analyzeEncoded(bytes: Uint8Array, opts: AnalyzerOptions = {}): Promise<AnalysisResult> {
    return this.request({ id: 0, kind: "encoded", bytes, opts });
  }

  /** Analyses a decoded frame; `scale` maps its pixels to the reported coordinates. */
  analyzeRaw(image: RgbImage, scale = 1, opts: AnalyzerOptions = {}): Promise<AnalysisResult> {
    return this.request({ id: 0, kind: "raw", image, scale, opts });
  }

  get busy(): number {
    return this.pending.size;
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    await closeWorker(w);
    this.failAll(new Error("vision worker stopped"));
  }

  private request(req: VisionRequest): Promise<AnalysisResult> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error("vision worker is not running"));
    const id = this.nextId++;
    req.id = id;
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(req);
    });
  }

  private settle(reply: VisionReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.ok) p.resolve({ faces: reply.faces, width: reply.width, height: reply.height });
    else if (reply.errorName === "ImageError") p.reject(new ImageError(reply.error));
    else if (reply.errorName === "ModelMissingError")
      p.reject(Object.assign(new Error(reply.error), { name: reply.errorName }));
    else p.reject(new Error(reply.error));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

export { ModelMissingError };
