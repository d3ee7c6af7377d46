import type { Worker } from "node:worker_threads";

/**
 * Asks a model worker to release its sessions (`{ kind: "close" }`) and waits for it to exit; a worker that has
 * not exited within 2 s is terminated. The caller's own "exit" listeners are removed first: this exit is wanted.
 */
export async function closeWorker(worker: Worker): Promise<void> {
  worker.removeAllListeners("exit");
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  worker.postMessage({ kind: "close" });
  const timer = setTimeout(() => void worker.terminate(), 2000);
  await exited;
  clearTimeout(timer);
}
