/**
 * Per-stage latency, by calling the public parts of a FaceAnalyzer one by one on the benchmark's frames (in this
 * thread, one ONNX session each, as the vision worker holds them; modules from the benchmarked build): decode (a 640×480 JPEG through sharp, the
 * path of stills and the CLI; live video is decoded by the ffmpeg child), detect, 68 landmarks + alignment,
 * embedding, mask flag, gallery match.
 */
import sharp from "sharp";
import { Gallery } from "../../src/recognition/gallery.ts";
import { Matcher } from "../../src/recognition/matcher.ts";
import type * as Align from "../../src/vision/align.ts";
import type * as Decode from "../../src/vision/decode.ts";
import type * as Factory from "../../src/vision/factory.ts";
import type { DetectorKind } from "../../src/vision/factory.ts";
import type * as Landmarks from "../../src/vision/landmarks68.ts";
import type * as MaskLoad from "../../src/vision/mask/load.ts";
import type { RgbImage } from "../../src/vision/types.ts";
import { type BenchBuild, loadModule } from "./build.ts";
import { type Latency, round, samples, stageLatency, timed } from "./stats.ts";

export interface StageResult {
  detector: string;
  threads: number;
  modelLoadMs: number;
  faces: number;
  decode: Latency;
  detect: Latency;
  landmarksAlign: Latency;
  embed: Latency;
  maskFlag: Latency;
  match: Latency;
  /** Sum of the stages' p50 for a frame with one face. */
  frameOneFaceP50: number | null;
  /** The same in CPU time: what an otherwise idle core would take. */
  frameOneFaceCpuP50: number | null;
}

function randomGallery(people: number, dim: number): Gallery {
  const g = new Gallery("bench", dim);
  let seed = 1;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff - 0.5;
  };
  for (let p = 0; p < people; p++) {
    const v = Float32Array.from({ length: dim }, rnd);
    const n = Math.hypot(...v);
    g.put({
      name: `p${p}`,
      enrolledAt: "",
      templates: [{ space: "full", vector: v.map((x) => x / n), source: "", masked: false }],
    });
  }
  return g;
}

export async function measureStages(
  frames: readonly RgbImage[],
  opts: { detector: DetectorKind; threads: number; galleryPeople: number; build: BenchBuild },
): Promise<StageResult> {
  const [{ alignByEyes, alignFace }, { decodeImage }, { createAnalyzer }, { fivePointsFrom68 }, mask0] =
    await Promise.all([
      loadModule<typeof Align>(opts.build, "vision/align"),
      loadModule<typeof Decode>(opts.build, "vision/decode"),
      loadModule<typeof Factory>(opts.build, "vision/factory"),
      loadModule<typeof Landmarks>(opts.build, "vision/landmarks68"),
      loadModule<typeof MaskLoad>(opts.build, "vision/mask/load"),
    ]);
  const { loadDefaultMaskClassifier } = mask0;
  const started = performance.now();
  const analyzer = await createAnalyzer({ detector: { kind: opts.detector }, threads: opts.threads }, (t) =>
    loadDefaultMaskClassifier(t),
  );
  const modelLoadMs = performance.now() - started;
  const jpegs = await Promise.all(
    frames.map((f) =>
      sharp(Buffer.from(f.data), { raw: { width: f.width, height: f.height, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    ),
  );
  const matcher = new Matcher(randomGallery(opts.galleryPeople, analyzer.embedder.dim), {
    full: 0.5,
    upper: 0.5,
  });
  const t = { decode: samples(), detect: samples(), lm: samples(), embed: samples() };
  const mask = samples();
  const match = samples();
  let faces = 0;
  try {
    // One untimed pass warms the sessions (first runs allocate).
    const warm = (await analyzer.detector.detect(frames[0]))[0];
    if (warm && analyzer.landmarks68) await analyzer.landmarks68.predict(frames[0], warm.box);
    for (let i = 0; i < frames.length; i++) {
      const decoded = await timed(t.decode, () => decodeImage(jpegs[i]));
      const image = decoded.image;
      const detections = await timed(t.detect, () => analyzer.detector.detect(image));
      for (const d of detections) {
        faces++;
        const points = await timed(t.lm, async () =>
          analyzer.landmarks68
            ? fivePointsFrom68(await analyzer.landmarks68.predict(image, d.box))
            : d.landmarks,
        );
        const aligned = alignFace(image, points, analyzer.embedder.inputSize);
        const embedding = await timed(t.embed, () => analyzer.embedder.embed(aligned));
        const classifier = analyzer.maskClassifier;
        // The flag reads the eye-aligned face (see analyzer.ts): its warp is part of the flag's cost.
        if (classifier)
          await timed(mask, () =>
            classifier.predict({
              aligned: alignByEyes(image, points[0], points[1], analyzer.embedder.inputSize),
              embedding,
            }),
          );
        await timed(match, () => matcher.match({ embedding, masked: false }));
      }
    }
  } finally {
    await analyzer.close();
  }
  const r = {
    detector: analyzer.detector.id,
    threads: opts.threads,
    modelLoadMs: round(modelLoadMs, 0) ?? 0,
    faces,
    decode: stageLatency(t.decode),
    detect: stageLatency(t.detect),
    landmarksAlign: stageLatency(t.lm),
    embed: stageLatency(t.embed),
    maskFlag: stageLatency(mask),
    match: stageLatency(match, 3),
  };
  const total = (key: "p50" | "cpuP50") => {
    const parts = [r.detect, r.landmarksAlign, r.embed, r.maskFlag, r.match].map((l) => l[key] ?? 0);
    return round(parts.reduce((a, b) => a + b, 0));
  };
  return { ...r, frameOneFaceP50: total("p50"), frameOneFaceCpuP50: total("cpuP50") };
}
