import { WORKER_YOUNG_GENERATION_MB } from "../../system/young-generation.ts";
import type { AnalyzerOptions } from "../analyzer.ts";
import type { VisionConfig } from "../factory.ts";
import type { RgbImage } from "../types.ts";
import type { VisionInfo, VisionRequest, VisionResult, VisionWorkerData } from "./protocol.ts";
import { type RestartBackoff, type RpcLogger, spawnWorker, WorkerRpc, workerUrl } from "./rpc.ts";

export type AnalysisResult = VisionResult;

const WORKER_URL = workerUrl("vision-worker", import.meta.url);

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

export interface VisionClientOptions {
  /** Where restarts of a worker that died are logged (the daemon's logger). */
  logger?: RpcLogger;
  backoff?: RestartBackoff;
}

/**
 * The vision models running in a worker thread, loaded once, used by the CLI and the daemon alike. A worker
 * that dies is restarted (see WorkerRpc): the analyses in flight reject with `WorkerExitedError`, later ones
 * go to the new worker.
 */
export class VisionClient {
  readonly #rpc: WorkerRpc<VisionInfo, VisionRequest, VisionResult>;
  embedderId = "";
  embedderDim = 0;
  detectorId = "";
  maskClassifierId: string | null = null;
  upperProjectionId: string | null = null;

  constructor(config: VisionConfig, options: VisionClientOptions = {}) {
    const workerData: VisionWorkerData = { config };
    this.#rpc = new WorkerRpc({
      name: "vision worker",
      // Frames and tensors live outside the heap: a small young generation is enough (see young-generation.ts).
      spawn: () =>
        spawnWorker(WORKER_URL, {
          workerData,
          stackSizeMb: workerStackMb(),
          maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
        }),
      ...options,
    });
  }

  async start(): Promise<void> {
    const info = await this.#rpc.start();
    this.embedderId = info.embedderId;
    this.embedderDim = info.embedderDim;
    this.detectorId = info.detectorId;
    this.maskClassifierId = info.maskClassifierId;
    this.upperProjectionId = info.upperProjectionId;
  }

  /** Decodes and analyses an encoded image (JPEG, PNG, ...). Rejects with ImageError for unusable input. */
  analyzeEncoded(bytes: Uint8Array, opts: AnalyzerOptions = {}): Promise<AnalysisResult> {
    return this.#rpc.call({ kind: "encoded", bytes, opts });
  }

  /** Analyses a decoded frame; `scale` maps its pixels to the reported coordinates. */
  analyzeRaw(image: RgbImage, scale = 1, opts: AnalyzerOptions = {}): Promise<AnalysisResult> {
    return this.#rpc.call({ kind: "raw", image, scale, opts });
  }

  /** Analyses waiting for the worker. */
  get busy(): number {
    return this.#rpc.busy;
  }

  /** Times the worker was restarted after dying. */
  get restarts(): number {
    return this.#rpc.restarts;
  }

  stop(): Promise<void> {
    return this.#rpc.close();
  }
}
