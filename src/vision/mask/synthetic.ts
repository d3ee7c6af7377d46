import type { FivePoints, RgbImage } from "../types.ts";
import { type FaceFrame, faceFrame, type MaskShape, maskOutline, toImage } from "./mask-geometry.ts";
import { type Paint, paintCoverage, solidPaint } from "./paint.ts";
import { polygonCoverage, strokePolygon } from "./raster.ts";
import { pick, type Rng, uniform } from "./rng.ts";

/**
 * Synthetic face masks drawn by the project's own code from the 5 landmarks, for training the mask flag and for
 * enrollment augmentation. Many shapes, colours, patterns, positions and lights, on purpose: a model trained on
 * a handful of fixed templates learns those templates, not "a mask".
 */

export type MaskStyle = "surgical" | "ffp2" | "cloth";

export interface SyntheticMaskOptions {
  /** Force a style; random (surgical 40 %, FFP2 30 %, cloth 30 %) when absent. */
  style?: MaskStyle;
}

/** Everything one drawn mask depends on, so a mask can be logged, replayed or tested. */
export interface MaskParams {
  style: MaskStyle;
  shape: MaskShape;
  /** Top edge in eye-distance units below the eye line (0.2 high on the nose bridge … 0.6 under the nose tip). */
  top: number;
  /** Bottom edge (around the chin, 1.75–2.05). */
  bottom: number;
  /** Half width in eye distances. */
  halfWidth: number;
  /** Extra roll of the mask around the face, radians, and a sideways slip in eye distances. */
  roll: number;
  slip: number;
  body: Paint;
  /** Darker stroke colour for pleats, folds and seams; 0..1 scale of the body colour. */
  lineShade: number;
  valve: boolean;
  /** Where the valve sits: −1 image-left cheek, +1 image-right. */
  valveSide: number;
  valveRgb: [number, number, number];
  strapRgb: [number, number, number];
}

const SURGICAL_COLOURS: [number, number, number][] = [
  [140, 185, 215],
  [120, 170, 210],
  [170, 205, 225],
  [235, 238, 240],
  [150, 200, 170],
  [230, 180, 200],
  [40, 40, 45],
  [200, 200, 205],
];
const FFP2_COLOURS: [number, number, number][] = [
  [240, 240, 236],
  [225, 225, 220],
  [190, 190, 195],
  [35, 35, 40],
  [120, 160, 210],
  [230, 190, 205],
  [225, 215, 170],
];

/** Draws a random synthetic mask; returns a new image, the input is untouched. */
export function drawSyntheticMask(
  image: RgbImage,
  landmarks: FivePoints,
  rng: Rng,
  options: SyntheticMaskOptions = {},
): RgbImage {
  return renderMask(image, landmarks, sampleMaskParams(rng, image, landmarks, options));
}

/** Draws the parameters of one mask. The image is read only to match the mask's brightness to the scene. */
export function sampleMaskParams(
  rng: Rng,
  image: RgbImage,
  landmarks: FivePoints,
  options: SyntheticMaskOptions = {},
): MaskParams {
  const style =
    options.style ??
    pick(rng, ["surgical", "ffp2", "cloth"] as const satisfies readonly MaskStyle[], [4, 3, 3]);
  const shape: MaskShape =
    style === "surgical" ? "pleated" : style === "ffp2" ? pick(rng, ["fold", "cup"] as const) : "contoured";
  // Scene light: a white mask in a dim photo is grey. Measured on the skin between eyes and mouth.
  const light = Math.min(1.25, Math.max(0.35, (sceneLuma(image, landmarks) / 150) * uniform(rng, 0.8, 1.15)));
  const base =
    style === "surgical"
      ? pick(rng, SURGICAL_COLOURS, [5, 3, 2, 3, 1, 1, 1.5, 1])
      : style === "ffp2"
        ? pick(rng, FFP2_COLOURS, [5, 2, 1, 1.5, 1, 0.7, 0.7])
        : randomColour(rng);
  const body: Paint = {
    ...solidPaint(jitterColour(rng, base, light)),
    pattern: style === "surgical" ? "pleats" : style === "cloth" ? clothPattern(rng) : "solid",
    rgb2: jitterColour(rng, randomColour(rng), light),
    rgb3: jitterColour(rng, randomColour(rng), light),
    period: uniform(rng, 0.08, 0.3),
    duty: uniform(rng, 0.3, 0.6),
    angle: pick(rng, [0, Math.PI / 2, uniform(rng, 0, Math.PI)]),
    gradient: uniform(rng, 0, 0.35),
    gradientAngle: uniform(rng, 0, 2 * Math.PI),
    curvature: uniform(rng, 0.05, 0.35),
    radial: shape === "cup" ? uniform(rng, 0.2, 0.45) : 0,
    noise: uniform(rng, 0, 9),
    seed: Math.floor(rng() * 2 ** 31),
    opacity: uniform(rng, 0.93, 1),
  };
  return {
    style,
    shape,
    top: rng() < 0.1 ? uniform(rng, 0.5, 0.62) : uniform(rng, 0.15, 0.48),
    bottom: uniform(rng, 1.72, 2.05),
    halfWidth: uniform(rng, 0.92, 1.22),
    roll: uniform(rng, -0.1, 0.1),
    slip: uniform(rng, -0.06, 0.06),
    body,
    lineShade: uniform(rng, 0.6, 0.88),
    valve: style === "ffp2" && rng() < 0.35,
    valveSide: rng() < 0.5 ? -1 : 1,
    valveRgb: jitterColour(rng, rng() < 0.5 ? base : randomColour(rng), light),
    strapRgb: jitterColour(rng, rng() < 0.6 ? base : [230, 230, 230], light),
  };
}

/** Draws the mask the parameters describe. */
export function renderMask(image: RgbImage, landmarks: FivePoints, p: MaskParams): RgbImage {
  const out: RgbImage = { data: Uint8Array.from(image.data), width: image.width, height: image.height };
  const frame = faceFrame(landmarks, p.roll, p.slip);
  const eyeDist = Math.hypot(frame.ax, frame.ay);
  const line = (uv: number[], halfWidthUnits: number, paint: Paint) =>
    fill(out, frame, strokePolygon(toImage(frame, uv), Math.max(0.6, halfWidthUnits * eyeDist)), paint);

  // Ear loops or head straps first: the body covers where they join it.
  const strap = solidPaint(p.strapRgb);
  const w = p.halfWidth;
  for (const s of [-1, 1]) {
    if (p.style === "surgical") {
      line([s * w, p.top + 0.2, s * (w + 0.1), p.top + 0.12, s * (w + 0.2), p.top + 0.25], 0.022, strap);
      line(
        [s * w, p.bottom - 0.45, s * (w + 0.14), p.bottom - 0.6, s * (w + 0.2), p.top + 0.4],
        0.022,
        strap,
      );
    } else {
      line([s * w * 0.9, p.top + 0.45, s * (w + 0.18), p.top + 0.3], 0.03, strap);
      line([s * w * 0.9, p.bottom - 0.55, s * (w + 0.18), p.bottom - 0.45], 0.03, strap);
    }
  }
  const outline = maskOutline(p.shape, p.top, p.bottom, w);
  fill(out, frame, toImage(frame, outline), p.body);

  // Structure lines in a darker shade of the body: nose wire, folds, seams.
  const dark = solidPaint(scale(p.body.rgb, p.lineShade), 0.55);
  const mid = (p.top + p.bottom) / 2;
  if (p.shape === "pleated") {
    line([-w * 0.9, p.top + 0.13, 0, p.top + 0.04, w * 0.9, p.top + 0.13], 0.02, dark);
  } else if (p.shape === "fold") {
    line([-w * 0.9, mid - 0.05, 0, mid + 0.08, w * 0.9, mid - 0.05], 0.018, dark);
    line([0, p.top + 0.05, 0, mid], 0.012, dark);
  } else if (p.shape === "contoured") {
    line([0, p.top + 0.02, 0.02, mid, 0, p.bottom - 0.04], 0.015, dark);
  } else {
    line([-w * 0.7, p.top + 0.35, 0, p.top + 0.28, w * 0.7, p.top + 0.35], 0.015, dark);
  }
  if (p.valve) {
    const cu = p.valveSide * w * 0.42;
    const cv = mid + 0.12;
    fill(out, frame, toImage(frame, circle(cu, cv, 0.2)), solidPaint(p.valveRgb));
    fill(out, frame, toImage(frame, circle(cu, cv, 0.12)), solidPaint(scale(p.valveRgb, 0.75)));
  }
  return out;
}

function fill(out: RgbImage, frame: FaceFrame, polygon: ArrayLike<number>, paint: Paint): void {
  const cov = polygonCoverage(polygon, out.width, out.height);
  if (cov) paintCoverage(out, cov, frame, paint);
}

function circle(cu: number, cv: number, r: number): number[] {
  const pts: number[] = [];
  for (let i = 0; i < 24; i++) {
    const t = (i / 24) * 2 * Math.PI;
    pts.push(cu + r * Math.cos(t), cv + r * Math.sin(t));
  }
  return pts;
}

function clothPattern(rng: Rng): Paint["pattern"] {
  return pick(rng, ["solid", "stripes", "dots", "plaid", "print"] as const, [3, 2, 2, 1.5, 2]);
}

function randomColour(rng: Rng): [number, number, number] {
  // HSV with a bias toward the muted colours of real fabric.
  const h = rng() * 6;
  const s = rng() < 0.3 ? uniform(rng, 0, 0.15) : uniform(rng, 0.2, 0.9);
  const v = uniform(rng, 0.12, 0.97);
  const i = Math.floor(h);
  const f = h - i;
  const q = [v, v * (1 - s * f), v * (1 - s), v * (1 - s), v * (1 - s * (1 - f)), v];
  const rgb = [q[(i + 0) % 6], q[(i + 4) % 6], q[(i + 2) % 6]];
  return [Math.round(rgb[0] * 255), Math.round(rgb[1] * 255), Math.round(rgb[2] * 255)];
}

function jitterColour(rng: Rng, c: readonly number[], light: number): [number, number, number] {
  const j = () => uniform(rng, -12, 12);
  return [clamp((c[0] + j()) * light), clamp((c[1] + j()) * light), clamp((c[2] + j()) * light)];
}

function scale(c: readonly number[], k: number): [number, number, number] {
  return [clamp(c[0] * k), clamp(c[1] * k), clamp(c[2] * k)];
}

function clamp(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

/** Mean luma of a small patch around the nose: how bright the face is lit in this photo. */
function sceneLuma(image: RgbImage, lm: FivePoints): number {
  const cx = Math.round(lm[2][0]);
  const cy = Math.round(lm[2][1]);
  const r = Math.max(2, Math.round(Math.hypot(lm[1][0] - lm[0][0], lm[1][1] - lm[0][1]) * 0.3));
  let sum = 0;
  let n = 0;
  for (let y = Math.max(0, cy - r); y < Math.min(image.height, cy + r); y++) {
    for (let x = Math.max(0, cx - r); x < Math.min(image.width, cx + r); x++) {
      const i = (y * image.width + x) * 3;
      sum += 0.299 * image.data[i] + 0.587 * image.data[i + 1] + 0.114 * image.data[i + 2];
      n++;
    }
  }
  return n ? sum / n : 150;
}
