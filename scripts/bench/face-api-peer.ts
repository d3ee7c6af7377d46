/**
 * The peer the benchmark compares against: @vladmandic/face-api (SSD-MobileNet v1 + 68 landmarks + 128-d
 * descriptor) on TF.js with the wasm backend, in this process. Its models ship inside the package; they are read
 * from disk and decoded with tf.io (face-api's own loadFromDisk needs tfjs-node).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";
import type { RgbImage } from "../../src/vision/types.ts";

// face-api's typings describe its bundled tfjs; only the calls below are used, typed locally.
interface Tensor {
  dispose(): void;
}
interface WeightsManifestGroup {
  paths: string[];
  weights: { name: string; shape: number[]; dtype: string }[];
}
interface FaceApiTf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  setWasmPaths(prefix: string): void;
  tensor3d(values: Int32Array, shape: [number, number, number], dtype: "int32"): Tensor;
  io: { decodeWeights(buffer: ArrayBuffer, specs: WeightsManifestGroup["weights"]): Record<string, Tensor> };
  memory(): { numTensors: number };
  env(): { set(flag: string, value: unknown): void };
}
interface Net {
  loadFromWeightMap(map: Record<string, Tensor>): void;
}
interface PeerResult {
  detection: { box: { x: number; y: number; width: number; height: number }; score: number };
  descriptor: Float32Array;
}
interface FaceApi {
  tf: FaceApiTf;
  nets: { ssdMobilenetv1: Net; tinyFaceDetector: Net; faceLandmark68Net: Net; faceRecognitionNet: Net };
  SsdMobilenetv1Options: new (o: { minConfidence?: number; maxResults?: number }) => unknown;
  TinyFaceDetectorOptions: new (o: { inputSize?: number; scoreThreshold?: number }) => unknown;
  detectAllFaces(
    input: Tensor,
    options: unknown,
  ): { withFaceLandmarks(): { withFaceDescriptors(): Promise<PeerResult[]> } };
}

export type PeerDetector = "ssd" | "tiny";

export interface PeerFace {
  box: [number, number, number, number];
  score: number;
  /** face-api's 128-d descriptor, L2-normalised here so that cosine similarity compares like ours. */
  descriptor: Float32Array;
}

const require = createRequire(import.meta.url);

export class FaceApiPeer {
  private constructor(
    private readonly api: FaceApi,
    private readonly options: unknown,
    readonly detector: PeerDetector,
    readonly backend: string,
    readonly loadMs: number,
  ) {}

  static async create(detector: PeerDetector = "ssd"): Promise<FaceApiPeer> {
    const started = performance.now();
    // The node-wasm build requires @tensorflow/tfjs + tfjs-backend-wasm (no native tfjs-node).
    const api = require("@vladmandic/face-api/dist/face-api.node-wasm.js") as FaceApi;
    const wasmFile = require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm");
    api.tf.setWasmPaths(dirname(wasmFile) + sep);
    if (!(await api.tf.setBackend("wasm"))) await api.tf.setBackend("cpu");
    await api.tf.ready();
    const modelDir = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "model");
    const load = (net: Net, name: string) => {
      const manifest = JSON.parse(
        readFileSync(join(modelDir, `${name}-weights_manifest.json`), "utf8"),
      ) as WeightsManifestGroup[];
      const chunks = manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(modelDir, p))));
      const all = Buffer.concat(chunks);
      const buffer = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
      net.loadFromWeightMap(
        api.tf.io.decodeWeights(
          buffer,
          manifest.flatMap((g) => g.weights),
        ),
      );
    };
    if (detector === "ssd") load(api.nets.ssdMobilenetv1, "ssd_mobilenetv1_model");
    else load(api.nets.tinyFaceDetector, "tiny_face_detector_model");
    load(api.nets.faceLandmark68Net, "face_landmark_68_model");
    load(api.nets.faceRecognitionNet, "face_recognition_model");
    const options =
      detector === "ssd"
        ? new api.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 8 })
        : new api.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 });
    const peer = new FaceApiPeer(api, options, detector, api.tf.getBackend(), 0);
    // First inference compiles kernels: part of getting ready, as for ONNX Runtime's session creation.
    await peer.analyze({ data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 });
    return Object.assign(peer, { loadMs: performance.now() - started });
  }

  /** detect → 68 landmarks → descriptor for every face of an RGB image. */
  async analyze(image: RgbImage): Promise<PeerFace[]> {
    const t = this.api.tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 3], "int32");
    try {
      const results = await this.api
        .detectAllFaces(t, this.options)
        .withFaceLandmarks()
        .withFaceDescriptors();
      return results.map((r) => {
        const b = r.detection.box;
        return {
          box: [b.x, b.y, b.width, b.height],
          score: r.detection.score,
          descriptor: normalise(r.descriptor),
        };
      });
    } finally {
      t.dispose();
    }
  }
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return Float32Array.from(v, (x) => x / n);
}
