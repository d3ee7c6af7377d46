/**
 * `node --import tsx scripts/bench/profile-analysis.ts [--passes 5] [--from-source]`
 *
 * Where the full analysis's time goes, model by model, on the benchmark's full-analysis frames (the first person
 * of the one-face video, 12 frames), in this thread with the build's analyzer (secondLook off, as the bench).
 * Wraps InferenceSession.run to sum wall time per model input shape. A development tool, not part of the bench.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import ort from "onnxruntime-node";
import type * as Factory from "../../src/vision/factory.ts";
import type * as MaskLoad from "../../src/vision/mask/load.ts";
import { lfwSubset } from "./accuracy.ts";
import { chooseBuild, loadModule } from "./build.ts";
import { oneFaceVideo, readFrames } from "./videos.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DATA = join(ROOT, "..", "shared", "data");
const { values } = parseArgs({
  options: {
    passes: { type: "string", default: "5" },
    "from-source": { type: "boolean", default: false },
    detector: { type: "string", default: "cascade" },
  },
});
const build = chooseBuild(ROOT, values["from-source"] ?? false);

const perModel = new Map<string, { n: number; ms: number }>();
const proto = (ort.InferenceSession as unknown as { prototype: unknown }).prototype as {
  run: (feeds: Record<string, ort.Tensor>, ...rest: unknown[]) => Promise<unknown>;
};
const run0 = proto.run;
proto.run = async function (this: unknown, feeds: Record<string, ort.Tensor>, ...rest: unknown[]) {
  const key = Object.values(feeds)
    .map((t) => t.dims.join("x"))
    .join(",");
  const t = performance.now();
  const r = await run0.call(this, feeds, ...rest);
  const e = perModel.get(key) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += performance.now() - t;
  perModel.set(key, e);
  return r;
};

const work = mkdtempSync(join(tmpdir(), "facegate-prof-"));
try {
  const subset = lfwSubset(DATA, 30, 100);
  const first = subset.gallery[0].name;
  const probe = subset.probes.find((p) => p.name === first)?.file as string;
  const video = await oneFaceVideo(join(work, "one.mp4"), [{ name: first, photo: probe }], 60, 3);
  const seg = video.timeline.find((s) => s.labels.length > 0);
  const frames = await readFrames(video.path, seg?.firstFrame ?? 0, 12);
  const [{ createAnalyzer }, { loadDefaultMaskClassifier }] = await Promise.all([
    loadModule<typeof Factory>(build, "vision/factory"),
    loadModule<typeof MaskLoad>(build, "vision/mask/load"),
  ]);
  const incl = new Map<string, { n: number; ms: number }>();
  const wrap = (obj: object, method: string, label: string) => {
    const target = obj as Record<string, (...a: unknown[]) => unknown>;
    const orig = target[method];
    target[method] = async function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      try {
        return await orig.apply(this, a);
      } finally {
        const e = incl.get(label) ?? { n: 0, ms: 0 };
        e.n++;
        e.ms += performance.now() - t;
        incl.set(label, e);
      }
    };
  };
  const analyzer = await createAnalyzer(
    { detector: { kind: values.detector as Factory.DetectorKind, secondLook: false }, threads: 1 },
    (t) => loadDefaultMaskClassifier(t),
  );
  const det = analyzer.detector as unknown as { primary: object; verifier: object };
  wrap(Object.getPrototypeOf(det.primary), "infer", "blazeface.infer");
  wrap(Object.getPrototypeOf(det.verifier), "boxes", "rfb320.boxes");
  wrap(Object.getPrototypeOf(analyzer.detector), "detect", "cascade.detect");
  if (analyzer.landmarks68)
    wrap(Object.getPrototypeOf(analyzer.landmarks68), "predict", "landmarks68.predict");
  wrap(Object.getPrototypeOf(analyzer.embedder), "embed", "embedder.embed");
  if (analyzer.maskClassifier)
    wrap(Object.getPrototypeOf(analyzer.maskClassifier), "predict", "mask.predict");
  const res = await analyzer.analyzeImage(frames[0], 1, { maxFaces: 8 });
  console.log(
    "faces:",
    res.map((f) => ({
      box: f.box.map(Math.round),
      masked: f.masked,
      p: +f.maskProbability.toFixed(3),
      upper: !!f.upperEmbedding,
    })),
  );
  perModel.clear();
  incl.clear();
  const passes = Number(values.passes);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let p = 0; p < passes; p++) for (const f of frames) await analyzer.analyzeImage(f, 1, { maxFaces: 8 });
  const n = passes * frames.length;
  const cpu = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / n;
  console.log(
    `per frame: wall ${wall.toFixed(1)} ms, cpu ${((cpu.user + cpu.system) / 1000 / n).toFixed(1)} ms, fps ${(1000 / wall).toFixed(1)}`,
  );
  let onnx = 0;
  for (const [k, v] of perModel) {
    onnx += v.ms;
    console.log(
      `  ${k}: ${(v.n / n).toFixed(2)} runs/frame, ${(v.ms / v.n).toFixed(2)} ms/run, ${(v.ms / n).toFixed(1)} ms/frame`,
    );
  }
  for (const [k, v] of incl)
    console.log(`  ${k} (inclusive): ${(v.n / n).toFixed(2)} calls/frame, ${(v.ms / n).toFixed(2)} ms/frame`);
  console.log(`  outside session.run: ${(wall - onnx / n).toFixed(1)} ms/frame`);
  await analyzer.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
