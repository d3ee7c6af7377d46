/**
 * Synthetic galleries with the real template layout, for the fleet tests and the fleet benchmark: per person,
 * one whole-face and one upper-face template per photo, 512-value L2-normalised vectors (the bundled embedder's
 * size), each photo's vector its person's direction plus noise so that a person's templates resemble each other
 * the way real ones do.
 */
import { Gallery, type Template } from "../../src/recognition/gallery.ts";
import { mulberry32 } from "../../src/vision/mask/rng.ts";

export const REAL_DIM = 512;

function gaussian(rng: () => number): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function normalised(v: Float32Array): Float32Array {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

export function syntheticGallery(
  people: number,
  { photos = 10, dim = REAL_DIM, embedder = "synthetic-embedder", seed = 1, prefix = "Person" } = {},
): Gallery {
  const rng = mulberry32(seed);
  const g = new Gallery(embedder, dim);
  for (let p = 0; p < people; p++) {
    const centre = normalised(Float32Array.from({ length: dim }, () => gaussian(rng)));
    const templates: Template[] = [];
    for (let f = 0; f < photos; f++) {
      for (const space of ["full", "upper"] as const) {
        const v = normalised(centre.map((x) => x + 0.04 * gaussian(rng)));
        templates.push({
          space,
          vector: v,
          source: `photo_${String(f).padStart(4, "0")}.jpg`,
          masked: false,
        });
      }
    }
    g.put({
      name: `${prefix} ${String(p).padStart(4, "0")}`,
      enrolledAt: "2026-01-01T00:00:00.000Z",
      templates,
    });
  }
  return g;
}
