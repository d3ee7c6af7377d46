import type { FivePoints } from "../types.ts";

/**
 * Face coordinates for drawing: u runs along the eye line (1 = one eye distance), v downward toward the mouth
 * (the mouth sits at v = 1.157 as in the ArcFace template), origin between the eyes. An affine frame, so a mask
 * follows the face's roll, size and (roughly) its pitch and yaw.
 */
export interface FaceFrame {
  ox: number;
  oy: number;
  /** Image vector of one u unit. */
  ax: number;
  ay: number;
  /** Image vector of one v unit. */
  bx: number;
  by: number;
}

/** Eye-to-mouth distance of the ArcFace template in eye distances (40.7 px / 35.2 px). */
const MOUTH_V = 1.157;

export function faceFrame(lm: FivePoints, roll = 0, slip = 0): FaceFrame {
  const ex = (lm[0][0] + lm[1][0]) / 2;
  const ey = (lm[0][1] + lm[1][1]) / 2;
  const mx = (lm[3][0] + lm[4][0]) / 2;
  const my = (lm[3][1] + lm[4][1]) / 2;
  const c = Math.cos(roll);
  const s = Math.sin(roll);
  const rot = (x: number, y: number): [number, number] => [c * x - s * y, s * x + c * y];
  const [ax, ay] = rot(lm[1][0] - lm[0][0], lm[1][1] - lm[0][1]);
  const [bx, by] = rot((mx - ex) / MOUTH_V, (my - ey) / MOUTH_V);
  return { ox: ex + slip * ax, oy: ey + slip * ay, ax, ay, bx, by };
}

/** Maps (u, v) pairs to image (x, y) pairs. */
export function toImage(f: FaceFrame, uv: ArrayLike<number>): Float64Array {
  const out = new Float64Array(uv.length);
  for (let i = 0; i < uv.length; i += 2) {
    out[i] = f.ox + uv[i] * f.ax + uv[i + 1] * f.bx;
    out[i + 1] = f.oy + uv[i] * f.ay + uv[i + 1] * f.by;
  }
  return out;
}

/** The inverse map as coefficients: u = iu0 + iux·x + iuy·y, v likewise. */
export function inverseFrame(f: FaceFrame): {
  u0: number;
  ux: number;
  uy: number;
  v0: number;
  vx: number;
  vy: number;
} {
  const det = f.ax * f.by - f.ay * f.bx || 1e-9;
  const ux = f.by / det;
  const uy = -f.bx / det;
  const vx = -f.ay / det;
  const vy = f.ax / det;
  return { u0: -(ux * f.ox + uy * f.oy), ux, uy, v0: -(vx * f.ox + vy * f.oy), vx, vy };
}

export type MaskShape = "pleated" | "fold" | "cup" | "contoured";

/** Outline of a mask body in face coordinates, as (u, v) pairs walked clockwise. */
export function maskOutline(shape: MaskShape, top: number, bottom: number, w: number): number[] {
  const pts: number[] = [];
  const quad = (p0: number[], c: number[], p1: number[], steps = 10) => {
    for (let i = 0; i < steps; i++) {
      const t = i / steps;
      const a = (1 - t) * (1 - t);
      const b = 2 * t * (1 - t);
      const d = t * t;
      pts.push(a * p0[0] + b * c[0] + d * p1[0], a * p0[1] + b * c[1] + d * p1[1]);
    }
  };
  if (shape === "cup") {
    const cv = (top + bottom) / 2 + 0.05;
    const ry = (bottom - top) / 2 + 0.02;
    for (let i = 0; i < 40; i++) {
      const t = (i / 40) * 2 * Math.PI;
      pts.push(w * 0.92 * Math.cos(t), cv + ry * Math.sin(t));
    }
    return pts;
  }
  if (shape === "pleated") {
    // A rectangle bent over the nose and around the chin.
    quad([-w, top + 0.18], [-0.5 * w, top - 0.05], [0, top]);
    quad([0, top], [0.5 * w, top - 0.05], [w, top + 0.18]);
    quad([w, top + 0.18], [w * 1.04, (top + bottom) / 2], [w, bottom - 0.45]);
    quad([w, bottom - 0.45], [0.55 * w, bottom + 0.05], [0, bottom]);
    quad([0, bottom], [-0.55 * w, bottom + 0.05], [-w, bottom - 0.45]);
    quad([-w, bottom - 0.45], [-w * 1.04, (top + bottom) / 2], [-w, top + 0.18]);
  } else if (shape === "fold") {
    // Flat-fold FFP2: pointed at the nose, straight flanks, a pointed chin.
    quad([0, top], [0.45 * w, top + 0.1], [0.95 * w, top + 0.38]);
    quad([0.95 * w, top + 0.38], [w, (top + bottom) / 2], [0.88 * w, bottom - 0.5]);
    quad([0.88 * w, bottom - 0.5], [0.45 * w, bottom - 0.05], [0, bottom + 0.03]);
    quad([0, bottom + 0.03], [-0.45 * w, bottom - 0.05], [-0.88 * w, bottom - 0.5]);
    quad([-0.88 * w, bottom - 0.5], [-w, (top + bottom) / 2], [-0.95 * w, top + 0.38]);
    quad([-0.95 * w, top + 0.38], [-0.45 * w, top + 0.1], [0, top]);
  } else {
    // Contoured cloth mask with a centre seam.
    quad([-w, top + 0.3], [-0.45 * w, top - 0.05], [0, top - 0.02]);
    quad([0, top - 0.02], [0.45 * w, top - 0.05], [w, top + 0.3]);
    quad([w, top + 0.3], [1.05 * w, (top + bottom) / 2], [0.8 * w, bottom - 0.3]);
    quad([0.8 * w, bottom - 0.3], [0.35 * w, bottom + 0.05], [0, bottom]);
    quad([0, bottom], [-0.35 * w, bottom + 0.05], [-0.8 * w, bottom - 0.3]);
    quad([-0.8 * w, bottom - 0.3], [-1.05 * w, (top + bottom) / 2], [-w, top + 0.3]);
  }
  return pts;
}
