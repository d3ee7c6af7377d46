import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { Rfb320Detector } from "../src/vision/detectors/rfb320.ts";
import { ScrfdDetector } from "../src/vision/detectors/scrfd.ts";
import { YuNetDetector } from "../src/vision/detectors/yunet.ts";
import type { FaceDetector, RgbImage } from "../src/vision/types.ts";

/**
 * Masked-face detection recall on the 597 real masked photos of rwmfd-dev, and per-image latency.
 * A measurement (about two minutes), not a unit test: it runs only with FACEGATE_BENCH=1.
 *   FACEGATE_BENCH=1 node --import tsx --test test/detectors-rwmfd.test.ts
 * Recall here = share of photos in which the detector finds at least one face (every photo holds one).
 * Latency = detect() only (resize, inference, decoding, NMS, landmarks), JPEG decoding excluded, one
 * ONNX thread, default options.
 */
const DIR = resolve("../shared/data/rwmfd-dev");
const SHARED_MODELS = resolve("../shared/models");
const MODELS = resolve("models");

const skip =
  process.env.FACEGATE_BENCH !== "1"
    ? "measurement: set FACEGATE_BENCH=1 to run"
    : !existsSync(DIR)
      ? "../shared/data/rwmfd-dev is absent"
      : !existsSync(`${SHARED_MODELS}/yunet_s_dynamic.onnx`) || !existsSync(`${MODELS}/fr_detect.onnx`)
        ? "detector models are absent"
        : false;

async function load(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

test("rwmfd-dev: masked-face recall and latency per detector", { skip }, async (t) => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith(".jpg"))
    .sort();
  const images = await Promise.all(files.map((f) => load(`${DIR}/${f}`)));
  const detectors: FaceDetector[] = [
    await YuNetDetector.create(`${SHARED_MODELS}/yunet_s_dynamic.onnx`),
    await ScrfdDetector.create(`${SHARED_MODELS}/scrfd_500m_bnkps.onnx`),
    await Rfb320Detector.create({
      detector: `${MODELS}/fr_detect.onnx`,
      landmarks: `${MODELS}/fr_landmark.onnx`,
    }),
  ];
  for (const det of detectors) {
    await det.detect(images[0]); // warm-up: first run allocates
    const ms: number[] = [];
    let found = 0;
    for (const img of images) {
      const t0 = performance.now();
      const faces = await det.detect(img);
      ms.push(performance.now() - t0);
      if (faces.length > 0) found++;
    }
    ms.sort((a, b) => a - b);
    const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
    t.diagnostic(
      `${det.id}: ≥1 face in ${found}/${images.length} (${((100 * found) / images.length).toFixed(1)} %), ` +
        `latency mean ${mean.toFixed(1)} ms, median ${ms[ms.length >> 1].toFixed(1)} ms, p95 ${ms[Math.floor(ms.length * 0.95)].toFixed(1)} ms`,
    );
    // A floor, not a target: far below it the decoding is broken.
    assert.ok(found / images.length > 0.8, `${det.id} finds faces in too few masked photos`);
    await det.close();
  }
});
