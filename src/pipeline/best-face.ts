import type { AnalyzedFace } from "../vision/analyzer.ts";
import type { RgbImage } from "../vision/types.ts";
import type { BestFace } from "./bus.ts";
import { cropFace } from "./snapshot.ts";

/** Share of the face box added on each side of a capture's crop: enough context to find the face in it again. */
const CAPTURE_MARGIN = 0.5;
/** Sharpness (vision/quality.ts) from which a face counts as fully sharp; enrollment refuses below 25. */
const SHARP = 50;

/** Bigger, surer and sharper faces make better captures (and better templates when a person assigns them). */
function quality(face: AnalyzedFace): number {
  return face.faceSize * face.detectorScore * Math.min(1, face.sharpness / SHARP);
}

/**
 * The best embedded face of each live track, for captures: crop and templates of one frame, replaced when a
 * better face comes. Faces of decided tracks are no longer embedded, so at most a track's recognition attempts
 * are looked at; a crop is a face-sized copy, made only when it beats the one kept.
 */
export class BestFaceKeeper {
  readonly #best = new Map<string, { quality: number; face: BestFace }>();

  constructor(private readonly minFacePx: number) {}

  offer(trackId: string, image: RgbImage, face: AnalyzedFace): void {
    if (face.embedding.length === 0 || face.faceSize < this.minFacePx) return;
    const q = quality(face);
    const kept = this.#best.get(trackId);
    if (kept && kept.quality >= q) return;
    this.#best.set(trackId, {
      quality: q,
      face: {
        crop: cropFace(image, face.box, CAPTURE_MARGIN),
        box: face.box,
        embedding: face.embedding,
        upperEmbedding: face.upperEmbedding,
        masked: face.masked,
        faceSize: face.faceSize,
      },
    });
  }

  get(trackId: string): BestFace | undefined {
    return this.#best.get(trackId)?.face;
  }

  drop(trackId: string): void {
    this.#best.delete(trackId);
  }
}
