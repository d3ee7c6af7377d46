// Worker-thread host for the ONNX sessions. Inference lives here, not on the main thread, for two reasons:
// the daemon's event loop stays free for MQTT and capture, and onnxruntime-node 1.30 overflows the main
// thread's native stack while initialising in a process started with a very long command line
// (`facegate identify <thousands of paths>`); a worker has its own stack and is not affected.
import { parentPort, workerData } from "node:worker_threads";
import { GcNudge } from "../../system/gc-nudge.ts";
import type { FaceAnalyzer } from "../analyzer.ts";
import { decodeImage } from "../decode.ts";
import { createAnalyzer } from "../factory.ts";
import { loadDefaultMaskClassifier } from "../mask/load.ts";
import type { VisionReady, VisionReply, VisionRequest, VisionWorkerData } from "./protocol.ts";

const port = parentPort;
if (!port) throw new Error("vision-worker must run in a worker thread");

const { config } = workerData as VisionWorkerData;
const gc = new GcNudge();
let analyzer: FaceAnalyzer;
try {
  analyzer = await createAnalyzer(config, (threads) => loadDefaultMaskClassifier(threads));
  const ready: VisionReady = {
    ready: true,
    embedderId: analyzer.embedder.id,
    embedderDim: analyzer.embedder.dim,
    detectorId: analyzer.detector.id,
    maskClassifierId: analyzer.maskClassifier?.id ?? null,
    upperProjectionId: analyzer.upperProjection?.id ?? null,
  };
  port.postMessage(ready);
} catch (err) {
  const e = err as Error;
  const ready: VisionReady = { ready: false, error: e.message, errorName: e.name };
  port.postMessage(ready);
  process.exit(0);
}

port.on("message", async (req: VisionRequest | { kind: "close" }) => {
  if (req.kind === "close") {
    await analyzer.close();
    port.close();
    return;
  }
  let reply: VisionReply;
  // The picture's bytes stand for what the request leaves behind: its copy or decode, and the model inputs
  // (about twice as much again for a 640×480 frame).
  let pictureBytes = req.kind === "raw" ? req.image.data.byteLength : req.bytes.byteLength;
  try {
    if (req.kind === "encoded") {
      const decoded = await decodeImage(req.bytes);
      pictureBytes += decoded.image.data.byteLength;
      const faces = await analyzer.analyzeDecoded(decoded, req.opts);
      reply = { id: req.id, ok: true, faces, width: decoded.originalWidth, height: decoded.originalHeight };
    } else {
      const faces = await analyzer.analyzeImage(req.image, req.scale, req.opts);
      reply = { id: req.id, ok: true, faces, width: req.image.width, height: req.image.height };
    }
  } catch (err) {
    const e = err as Error;
    reply = { id: req.id, ok: false, error: e.message, errorName: e.name };
  }
  port.postMessage(reply);
  gc.allocated(3 * pictureBytes);
});
