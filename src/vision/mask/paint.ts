import type { RgbImage } from "../types.ts";
import { type FaceFrame, inverseFrame } from "./mask-geometry.ts";
import type { Coverage } from "./raster.ts";
import { hash01 } from "./rng.ts";

/** How a covered region is coloured; pattern coordinates are face units, so patterns follow the face. */
export interface Paint {
  rgb: [number, number, number];
  pattern: "solid" | "stripes" | "dots" | "plaid" | "print" | "pleats";
  rgb2: [number, number, number];
  rgb3: [number, number, number];
  /** Pattern period in eye distances, and the share of it in the second colour. */
  period: number;
  duty: number;
  angle: number;
  /** Linear light across the mask (0 = flat) and its direction. */
  gradient: number;
  gradientAngle: number;
  /** Darkening toward the sides (the mask turns away from the light) and, for cups, toward the rim. */
  curvature: number;
  radial: number;
  /** Standard deviation-like amplitude of per-pixel noise, in grey levels. */
  noise: number;
  seed: number;
  opacity: number;
}

export function solidPaint(rgb: [number, number, number], opacity = 1): Paint {
  return {
    rgb,
    pattern: "solid",
    rgb2: rgb,
    rgb3: rgb,
    period: 1,
    duty: 0,
    angle: 0,
    gradient: 0,
    gradientAngle: 0,
    curvature: 0,
    radial: 0,
    noise: 0,
    seed: 0,
    opacity,
  };
}

const PATTERN_CODE = { solid: 0, stripes: 1, dots: 2, plaid: 3, print: 4, pleats: 5 } as const;

/** Blends the paint into `out` wherever the coverage is non-zero. One flat loop; the pattern is a switch. */
export function paintCoverage(out: RgbImage, cov: Coverage, frame: FaceFrame, p: Paint): void {
  const inv = inverseFrame(frame);
  const code = PATTERN_CODE[p.pattern];
  const ca = Math.cos(p.angle);
  const sa = Math.sin(p.angle);
  const ga = Math.cos(p.gradientAngle) * p.gradient;
  const gb = Math.sin(p.gradientAngle) * p.gradient;
  const period = Math.max(0.02, p.period);
  const { data, width } = out;
  for (let yy = 0; yy < cov.h; yy++) {
    const y = cov.y0 + yy + 0.5;
    for (let xx = 0; xx < cov.w; xx++) {
      const a = Math.min(1, cov.alpha[yy * cov.w + xx]) * p.opacity;
      if (a <= 0.002) continue;
      const x = cov.x0 + xx + 0.5;
      const u = inv.u0 + inv.ux * x + inv.uy * y;
      const v = inv.v0 + inv.vx * x + inv.vy * y;
      // Which of the three colours, and a brightness factor from pattern and light.
      let sel = 0;
      let shade =
        1 + ga * u + gb * (v - 1.1) - p.curvature * u * u - p.radial * (u * u + (v - 1.1) * (v - 1.1));
      switch (code) {
        case 1: {
          const s = (u * ca + v * sa) / period;
          sel = s - Math.floor(s) < p.duty ? 1 : 0;
          break;
        }
        case 2: {
          const su = u / period;
          const sv = v / period + (Math.floor(su) & 1) * 0.5;
          const du = su - Math.floor(su) - 0.5;
          const dv = sv - Math.floor(sv) - 0.5;
          sel = du * du + dv * dv < p.duty * p.duty * 0.25 ? 1 : 0;
          break;
        }
        case 3: {
          const s1 = u / period;
          const s2 = v / period;
          sel = (s1 - Math.floor(s1) < p.duty ? 1 : 0) + (s2 - Math.floor(s2) < p.duty ? 1 : 0);
          break;
        }
        case 4: {
          // Value noise on a lattice: blotchy prints (camouflage, flowers, logos at a distance).
          const su = u / period;
          const sv = v / period;
          const iu = Math.floor(su);
          const iv = Math.floor(sv);
          const fu = su - iu;
          const fv = sv - iv;
          const n0 = hash01(iu, iv, p.seed) + (hash01(iu + 1, iv, p.seed) - hash01(iu, iv, p.seed)) * fu;
          const n1 =
            hash01(iu, iv + 1, p.seed) + (hash01(iu + 1, iv + 1, p.seed) - hash01(iu, iv + 1, p.seed)) * fu;
          const n = n0 + (n1 - n0) * fv;
          sel = n < 0.4 ? 0 : n < 0.65 ? 1 : 2;
          break;
        }
        case 5: {
          // Pleats: horizontal folds with a dark crease each, over the middle of a surgical mask.
          const s = v / 0.17;
          const q = s - Math.floor(s);
          shade *= q < 0.12 ? 0.82 : 1 - 0.08 * q;
          break;
        }
      }
      const c = sel === 0 ? p.rgb : sel === 1 ? p.rgb2 : p.rgb3;
      const nz = p.noise ? (hash01(x, y, p.seed) + hash01(y, x, p.seed + 1) - 1) * 2 * p.noise : 0;
      const i = ((cov.y0 + yy) * width + cov.x0 + xx) * 3;
      for (let k = 0; k < 3; k++) {
        const val = Math.max(0, Math.min(255, c[k] * shade + nz));
        data[i + k] = Math.round(data[i + k] + (val - data[i + k]) * a);
      }
    }
  }
}
