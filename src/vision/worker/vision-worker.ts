// Worker-thread host for the ONNX sessions. Inference lives here, not on the main thread, for two reasons:
// the daemon's event loop stays free for MQTT and capture, and onnxruntime-node 1.30 overflows the main
// thread's native stack while initialising in a process started with a very long command line
// (`facegate identify <thousands of paths>`); a worker has its own stack and is not affected.
import { workerData } from "node:worker_threads";
import { GcNudge } from "../../system/gc-nudge.ts";
import { decodeImage } from "../decode.ts";
import { createAnalyzer } from "../factory.ts";
import { loadDefaultMaskClassifier } from "../mask/load.ts";
import type { VisionInfo, VisionRequest, VisionResult, VisionWorkerData } from "./protocol.ts";
import { serveWorker } from "./rpc.ts";

const { config } = workerData as VisionWorkerData;
const gc = new GcNudge();

await serveWorker<VisionInfo, VisionRequest, VisionResult>("vision-worker", async () => {
  const analyzer = await createAnalyzer(config, (threads) => loadDefaultMaskClassifier(threads));
  return {
    info: {
      embedderId: analyzer.embedder.id,
      embedderDim: analyzer.embedder.dim,
      detectorId: analyzer.detector.id,
      maskClassifierId: analyzer.maskClassifier?.id ?? null,
      upperProjectionId: analyzer.upperProjection?.id ?? null,
    },
    async handle(req) {
      // The picture's bytes stand for what a request leaves behind: its copy or decode, and the model inputs
      // (about twice as much again for a 640×480 frame). Counted before the work, so a failing request counts too.
      if (req.kind === "encoded") {
        gc.allocated(3 * req.bytes.byteLength);
        const decoded = await decodeImage(req.bytes);
        gc.allocated(3 * decoded.image.data.byteLength);
        const faces = await analyzer.analyzeDecoded(decoded, req.opts);
        return { faces, width: decoded.originalWidth, height: decoded.originalHeight };
      }
      gc.allocated(3 * req.image.data.byteLength);
      const faces = await analyzer.analyzeImage(req.image, req.scale, req.opts);
      return { faces, width: req.image.width, height: req.image.height };
    },
    close: () => analyzer.close(),
  };
});
