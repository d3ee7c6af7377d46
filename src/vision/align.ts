import type { FivePoints, Point, RgbImage } from "./types.ts";

/** The standard ArcFace 112×112 template (InsightFace), in FivePoints order. */
export const ARCFACE_TEMPLATE: FivePoints = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** A 2-D similarity transform x' = a·x − b·y + tx, y' = b·x + a·y + ty. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** Least-squares similarity (Umeyama, no reflection) mapping `src` points onto `dst` points. */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Similarity {
  const n = src.length;
  let sx = 0;
  let sy = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i][0];
    sy += src[i][1];
    dx += dst[i][0];
    dy += dst[i][1];
  }
  sx /= n;
  sy /= n;
  dx /= n;
  dy /= n;
  let num1 = 0;
  let num2 = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i][0] - sx;
    const py = src[i][1] - sy;
    const qx = dst[i][0] - dx;
    const qy = dst[i][1] - dy;
    num1 += px * qx + py * qy;
    num2 += px * qy - py * qx;
    den += px * px + py * py;
  }
  if (den === 0) return { a: 1, b: 0, tx: dx - sx, ty: dy - sy };
  const a = num1 / den;
  const b = num2 / den;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

export function applySimilarity(t: Similarity, p: Point): Point {
  return [t.a * p[0] - t.b * p[1] + t.tx, t.b * p[0] + t.a * p[1] + t.ty];
}

/** Inverse of a similarity transform. */
export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  const a = t.a / d;
  const b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/**
 * Warps the face onto the template with bilinear sampling: the aligned crop the embedder and mask classifier see.
 * Pixels outside the source image are black.
 */
export function alignFace(image: RgbImage, landmarks: FivePoints, size = 112): RgbImage {
  const scale = size / 112;
  const template = ARCFACE_TEMPLATE.map(([x, y]) => [x * scale, y * scale] as Point);
  const inv = invertSimilarity(estimateSimilarity(landmarks, template));
  return warpSimilarity(image, inv, size, size);
}

/**
 * Aligns on the two eyes alone (they fix scale, rotation and position exactly). Used for the masked-face path:
 * a mask moves the nose and mouth landmarks by 10–13 % of the eye distance but the eyes by ~6 %, and the same
 * alignment is used for the gallery's upper-face templates, so probe and gallery stay consistent.
 */
export function alignByEyes(image: RgbImage, eyeLeft: Point, eyeRight: Point, size = 112): RgbImage {
  const scale = size / 112;
  const dst: Point[] = [
    [ARCFACE_TEMPLATE[0][0] * scale, ARCFACE_TEMPLATE[0][1] * scale],
    [ARCFACE_TEMPLATE[1][0] * scale, ARCFACE_TEMPLATE[1][1] * scale],
  ];
  return warpSimilarity(image, invertSimilarity(estimateSimilarity([eyeLeft, eyeRight], dst)), size, size);
}

/**
 * Samples `out(x, y) = image(inv(x, y))` bilinearly. Runs for every face of every frame (two or three crops per
 * face), so pixels whose four neighbours lie inside the image take a path without bounds checks, unrolled over
 * the three channels; both paths do the same arithmetic in the same order, so the result does not depend on
 * which one a pixel took. (`v + 0.5` stored into a Uint8Array truncates: the same as Math.round for v ≥ 0.)
 */
export function warpSimilarity(image: RgbImage, inv: Similarity, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const { data, width: W, height: H } = image;
  const { a, b, tx, ty } = inv;
  const row = W * 3;
  let o = 0;
  for (let y = 0; y < height; y++) {
    const by = b * y;
    const ay = a * y;
    for (let x = 0; x < width; x++, o += 3) {
      const sx = a * x - by + tx;
      const sy = b * x + ay + ty;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= W || y0 >= H) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
        const i00 = y0 * row + x0 * 3;
        const i01 = i00 + row;
        let p00 = data[i00];
        let p01 = data[i01];
        let top = p00 + (data[i00 + 3] - p00) * fx;
        let bottom = p01 + (data[i01 + 3] - p01) * fx;
        out[o] = top + (bottom - top) * fy + 0.5;
        p00 = data[i00 + 1];
        p01 = data[i01 + 1];
        top = p00 + (data[i00 + 4] - p00) * fx;
        bottom = p01 + (data[i01 + 4] - p01) * fx;
        out[o + 1] = top + (bottom - top) * fy + 0.5;
        p00 = data[i00 + 2];
        p01 = data[i01 + 2];
        top = p00 + (data[i00 + 5] - p00) * fx;
        bottom = p01 + (data[i01 + 5] - p01) * fx;
        out[o + 2] = top + (bottom - top) * fy + 0.5;
        continue;
      }
      for (let c = 0; c < 3; c++) {
        const p00 = x0 >= 0 && y0 >= 0 ? data[(y0 * W + x0) * 3 + c] : 0;
        const p10 = x0 + 1 < W && y0 >= 0 ? data[(y0 * W + x0 + 1) * 3 + c] : 0;
        const p01 = x0 >= 0 && y0 + 1 < H ? data[((y0 + 1) * W + x0) * 3 + c] : 0;
        const p11 = x0 + 1 < W && y0 + 1 < H ? data[((y0 + 1) * W + x0 + 1) * 3 + c] : 0;
        const top = p00 + (p10 - p00) * fx;
        const bottom = p01 + (p11 - p01) * fx;
        out[o + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return { data: out, width, height };
}
