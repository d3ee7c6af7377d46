import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FivePoints, RgbImage } from "../vision/types.ts";
import type { Rng } from "./rng.ts";

/** The mask room's synthetic mask painter: `drawSyntheticMask(image, landmarks, rng)`. */
export type MaskDrawer = (image: RgbImage, landmarks: FivePoints, rng: Rng) => RgbImage | undefined;

// HOOK (synthetic masks): the masks room (src/vision/mask) is adding `drawSyntheticMask`. Until it lands,
// training runs without masked augmentations and says so in its report. The candidates name the modules where
// it may appear; the first one that exists and exports the function is used.
const CANDIDATES = ["synthetic-mask", "synthetic", "draw-mask", "draw", "index"];

let cached: Promise<MaskDrawer | null> | undefined;

export function loadMaskDrawer(): Promise<MaskDrawer | null> {
  cached ??= find();
  return cached;
}

async function find(): Promise<MaskDrawer | null> {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  for (const name of CANDIDATES) {
    const url = new URL(`../vision/mask/${name}${ext}`, import.meta.url);
    if (!existsSync(fileURLToPath(url))) continue;
    const mod = (await import(url.href)) as { drawSyntheticMask?: unknown };
    if (typeof mod.drawSyntheticMask === "function") {
      const draw = mod.drawSyntheticMask as (i: RgbImage, l: FivePoints, r: Rng) => RgbImage | undefined;
      // Accept a painter that returns a new image as well as one that paints in place.
      return (image, landmarks, rng) => {
        const copy = { width: image.width, height: image.height, data: new Uint8Array(image.data) };
        return draw(copy, landmarks, rng) ?? copy;
      };
    }
  }
  return null;
}
