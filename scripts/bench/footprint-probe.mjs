// Where a daemon's memory goes, part by part, in one fresh process shaped like the daemon (main thread + one
// vision worker thread): process RSS after each part is loaded. Plain JavaScript run by plain node against the
// compiled build (what a deployment runs). Started by scripts/bench/footprint.ts; prints one JSON line.
// Usage: node footprint-probe.mjs <build dir> <frames.rgb> <width> <height> <video> <detector>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const built = (build, rel) => import(pathToFileURL(join(build, rel)).href);

/** The vision worker's side: the same loading order and per-request collection as src/vision/worker. */
async function visionSide({ build, frames, width, height, detector, analyse }) {
  const mark = (part) => parentPort.postMessage({ part, rss: rssMb() });
  mark("vision worker thread (empty)");
  const [{ createAnalyzer }, { loadDefaultMaskClassifier }, { GcNudge }, sharp] = await Promise.all([
    built(build, "vision/factory.js"),
    built(build, "vision/mask/load.js"),
    built(build, "system/gc-nudge.js"),
    import("sharp"),
    import("onnxruntime-node"),
  ]);
  mark("onnxruntime-node + sharp + vision code");
  const analyzer = await createAnalyzer(
    { detector: { kind: detector, secondLook: false } },
    (threads) => loadDefaultMaskClassifier(threads),
    (part) =>
      mark(part === "landmarks68" ? "ONNX Runtime start + landmarks68 session" : `ONNX session: ${part}`),
  );
  const raw = frames;
  const bytes = width * height * 3;
  const count = Math.floor(raw.length / bytes);
  const gc = new GcNudge();
  for (let i = 0; i < analyse; i++) {
    // A fresh copy per frame, as a frame posted from the main thread arrives.
    const data = raw.slice((i % count) * bytes, ((i % count) + 1) * bytes);
    await analyzer.analyzeImage({ data, width, height }, 1, { maxFaces: 8 });
    gc.allocated(3 * bytes);
  }
  mark(`${analyse} frames analysed (ONNX working memory, sharp, JIT)`);
  const cache = sharp.default.cache();
  parentPort.postMessage({ sharpCacheMb: cache.memory.high ?? cache.memory.current, done: true });
  // Stays loaded (as in the daemon) while the main thread measures the camera.
  parentPort.once("message", () => analyzer.close().then(() => parentPort.postMessage({ closed: true })));
}

async function tfjsSide({ build }) {
  const { initTfjsBackend } = await built(build, "vision/tfjs/backend.js");
  await initTfjsBackend();
  parentPort.postMessage({ done: true });
}

async function main() {
  const [build, frames, width, height, video, detector] = process.argv.slice(2);
  const parts = [];
  let last = rssMb();
  const first = last;
  const note = (part, rss = rssMb()) => {
    parts.push({ part, mb: Math.round((rss - last) * 10) / 10 });
    last = rss;
  };
  parts.push({ part: "node process", mb: Math.round(first * 10) / 10 });
  // The probe's own input (a few decoded frames, shared with the worker, not copied) is left out of every part.
  const file = readFileSync(frames);
  const shared = new Uint8Array(new SharedArrayBuffer(file.byteLength));
  shared.set(file);
  last = rssMb();

  await built(build, "daemon/daemon.js");
  note("daemon code on the main thread (MQTT, settings, pipeline)");

  let sharpCacheMb = null;
  const vision = new Worker(new URL(import.meta.url), {
    workerData: {
      role: "vision",
      build,
      frames: shared,
      width: Number(width),
      height: Number(height),
      detector,
      analyse: 60,
    },
  });
  await new Promise((resolve, reject) => {
    vision.on("message", (m) => {
      if (m.part) note(m.part, m.rss);
      if (m.done) {
        sharpCacheMb = Math.round((m.sharpCacheMb / 2 ** 20) * 10) / 10;
        resolve();
      }
    });
    vision.on("error", reject);
  });

  // One camera: ffmpeg's pipe into the newest-frame mailbox for a few seconds, frames released as the pipeline does.
  const { createFrameSource } = await built(build, "capture/create-source.js");
  const quiet = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };
  const source = createFrameSource(
    {
      camera: "probe",
      source: { kind: "file", path: video, loop: true },
      width: Number(width),
      height: Number(height),
    },
    quiet,
  );
  await source.start();
  const until = Date.now() + 3000;
  let peak = rssMb();
  while (Date.now() < until) {
    const frame = await Promise.race([source.nextFrame(), sleep(1000).then(() => null)]);
    if (frame) source.release(frame);
    peak = Math.max(peak, rssMb());
  }
  note("one camera (ffmpeg pipe, frame pool; peak while running)", peak);
  await source.stop();

  const tfjs = new Worker(new URL(import.meta.url), { workerData: { role: "tfjs", build } });
  await new Promise((resolve, reject) => {
    tfjs.on("message", resolve);
    tfjs.on("error", reject);
  });
  note("tfjs + wasm backend (loaded only for recognition.classifier or a trained head)");
  await tfjs.terminate();
  vision.postMessage("close");
  await new Promise((resolve) => vision.once("message", resolve));
  await vision.terminate();

  process.stdout.write(
    `${JSON.stringify({ parts, sharpCacheMb, peakMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
  );
  process.exit(0);
}

if (isMainThread) await main();
else if (workerData.role === "vision") await visionSide(workerData);
else await tfjsSide(workerData);
