import { checkImage, DetectorOutputError } from "./detectors/common.ts";
import { cropRegion } from "./detectors/passes.ts";
import { createSession, ort, type SessionOptions } from "./onnx-session.ts";
import { bilinearRgb } from "./resize.ts";
import type { Box, FivePoints, Point, RgbImage } from "./types.ts";

const SIDE = 64;
const POINTS = 68;

/** An integer pixel rectangle inside the image. */
export interface CropRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The crop the 68-point model was trained on (as in the faceplugin JS SDK that ships it): a square of side
 * = box height around the box centre — RFB-320 boxes are taller than wide, the model wants the whole
 * face height — shifted (not shrunk) to stay inside the image, shrunk only when the image is smaller.
 */
export function landmarkCrop(image: RgbImage, box: Box): CropRect {
  const side = Math.max(2, Math.min(box[3], image.width - 1, image.height - 1));
  const cx = box[0] + box[2] / 2;
  const cy = box[1] + box[3] / 2;
  let x = cx - side / 2;
  let y = cy - side / 2;
  x = Math.min(Math.max(0, x), image.width - side);
  y = Math.min(Math.max(0, y), image.height - side);
  const xi = Math.max(0, Math.floor(x));
  const yi = Math.max(0, Math.floor(y));
  const s = Math.max(1, Math.round(side));
  return { x: xi, y: yi, w: Math.min(s, image.width - xi), h: Math.min(s, image.height - yi) };
}

/**
 * Eye centres = mean of each eye's six points (36–41 on the image's left, 42–47 on its right in the iBUG
 * 68 scheme of an upright face), nose tip = 30, mouth corners = 48 (image-left) and 54 (image-right).
 * Left/right are then ordered by x so a mirrored annotation can never swap them.
 */
export function fivePointsFrom68(pts: ArrayLike<number>): FivePoints {
  const mean = (from: number): Point => {
    let x = 0;
    let y = 0;
    for (let i = from; i < from + 6; i++) {
      x += pts[2 * i];
      y += pts[2 * i + 1];
    }
    return [x / 6, y / 6];
  };
  const at = (i: number): Point => [pts[2 * i], pts[2 * i + 1]];
  let le = mean(36);
  let re = mean(42);
  if (le[0] > re[0]) [le, re] = [re, le];
  let lm = at(48);
  let rm = at(54);
  if (lm[0] > rm[0]) [lm, rm] = [rm, lm];
  return [le, re, at(30), lm, rm];
}

/**
 * The 68-point landmark model of the npm models (`fr_landmark.onnx`): input 1×1×64×64 grey / 256 of the
 * square crop above, output 136 values (x, y pairs) as fractions of the crop.
 */
export class Landmarks68 {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly modelPath: string,
  ) {}

  static async create(modelPath: string, opts: SessionOptions = {}): Promise<Landmarks68> {
    return new Landmarks68(await createSession(modelPath, opts), modelPath);
  }

  /** 68 points (x0, y0, x1, y1, ...) in pixels of `image` for the face in `box`. */
  async predict(image: RgbImage, box: Box): Promise<Float32Array> {
    checkImage(image);
    const rect = landmarkCrop(image, box);
    const rgb = bilinearRgb(cropRegion(image, rect), SIDE, SIDE).data;
    const grey = new Float32Array(SIDE * SIDE);
    for (let i = 0, p = 0; i < grey.length; i++, p += 3) {
      // ITU-R 601 luma, as OpenCV's BGR2GRAY; rounded to 8 bits like the reference before its /256.
      grey[i] = Math.round(0.299 * rgb[p] + 0.587 * rgb[p + 1] + 0.114 * rgb[p + 2]) / 256;
    }
    const out = await this.session.run({
      [this.session.inputNames[0]]: new ort.Tensor("float32", grey, [1, 1, SIDE, SIDE]),
    });
    const raw = out[this.session.outputNames[0]]?.data;
    if (!(raw instanceof Float32Array) || raw.length !== 2 * POINTS) {
      throw new DetectorOutputError(this.modelPath, `expected ${2 * POINTS} landmark values`);
    }
    const pts = new Float32Array(2 * POINTS);
    for (let i = 0; i < POINTS; i++) {
      pts[2 * i] = rect.x + raw[2 * i] * rect.w;
      pts[2 * i + 1] = rect.y + raw[2 * i + 1] * rect.h;
    }
    return pts;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
