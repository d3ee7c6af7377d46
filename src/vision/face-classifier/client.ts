import type { Box, RgbImage } from "../types.ts";
import { type RestartBackoff, type RpcLogger, spawnWorker, WorkerRpc, workerUrl } from "../worker/rpc.ts";
import type {
  ClassifierInfo,
  ClassifyRequest,
  ClassifyResult,
  FaceClassifierConfig,
  FaceClassifierWorkerData,
} from "./protocol.ts";

const WORKER_URL = workerUrl("worker", import.meta.url);

export interface FaceClassifierClientOptions {
  /** Where restarts of a worker that died are logged (the daemon's logger). */
  logger?: RpcLogger;
  backoff?: RestartBackoff;
}

/**
 * A whole-face classifier (imported Keras model) in its own worker thread. `classify` sends one frame and the
 * face boxes in it; the worker crops, resizes, preprocesses and returns one softmax per box. A worker that
 * dies is restarted like the vision worker (see WorkerRpc).
 */
export class FaceClassifierClient {
  readonly #rpc: WorkerRpc<ClassifierInfo, ClassifyRequest, ClassifyResult>;
  classes: string[] = [];
  backend = "";
  /** Milliseconds the worker spent on the last request (crop + inference), for stats and benchmarks. */
  lastMs = 0;

  constructor(config: FaceClassifierConfig, options: FaceClassifierClientOptions = {}) {
    const workerData: FaceClassifierWorkerData = { config };
    this.#rpc = new WorkerRpc({
      name: "face classifier",
      spawn: () => spawnWorker(WORKER_URL, { workerData }),
      ...options,
    });
  }

  async start(): Promise<void> {
    let info: ClassifierInfo;
    try {
      info = await this.#rpc.start();
    } catch (err) {
      const e = err as Error;
      if (!e.message.startsWith("face classifier")) e.message = `face classifier: ${e.message}`;
      throw e;
    }
    this.classes = info.classes;
    this.backend = info.backend;
  }

  /** One softmax per box (frame pixels), in the order of `boxes`. */
  async classify(image: RgbImage, boxes: Box[]): Promise<Float32Array[]> {
    if (boxes.length === 0) return [];
    const result = await this.#rpc.call({ image, boxes });
    this.lastMs = result.ms;
    return result.probs;
  }

  /** Times the worker was restarted after dying. */
  get restarts(): number {
    return this.#rpc.restarts;
  }

  stop(): Promise<void> {
    return this.#rpc.close();
  }
}
