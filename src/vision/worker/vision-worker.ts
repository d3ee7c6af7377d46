// Worker-thread host for the ONNX sessions. Inference lives here, not on the main thread, for two reasons:
// the daemon's event loop stays free for MQTT and capture, and onnxruntime-node 1.30 overflows the main
// thread's native stack while initialising in a process started with a very long command line
// (`facegate identify <thousands of paths>`); a worker has its own stack and is not affected.
import { workerData } from "node:worker_threads";
import { decodeImage } from "../decode.ts";
import { createAnalyzer } from "../factory.ts";
import { loadDefaultMaskClassifier } from "../mask/load.ts";
import type { VisionInfo, VisionRequest, VisionResult, VisionWorkerData } from "./protocol.ts";
import { serveWorker } from "./rpc.ts";

const { config } = workerData as VisionWorkerData;

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
      if (req.kind === "encoded") {
        const decoded = await decodeImage(req.bytes);
        const faces = await analyzer.analyzeDecoded(decoded, req.opts);
        return { faces, width: decoded.originalWidth, height: decoded.originalHeight };
      }
      const faces = await analyzer.analyzeImage(req.image, req.scale, req.opts);
      return { faces, width: req.image.width, height: req.image.height };
    },
    close: () => analyzer.close(),
  };
});
