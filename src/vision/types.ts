// The image currency is defined where frames are made (capture, the lowest room that has pixels) and used by
// every room above it; vision's callers keep importing it from here.
export type { RgbImage } from "../capture/types.ts";

import type { RgbImage } from "../capture/types.ts";

export type Point = readonly [x: number, y: number];
/** [x, y, width, height] in pixels of the image the detector was given. */
export type Box = readonly [x: number, y: number, w: number, h: number];

/**
 * The five points of the ArcFace template, in this order: the eye on the image's left, the eye on the image's
 * right, nose tip, mouth corner on the image's left, mouth corner on the image's right.
 * Detectors that lack mouth corners (BlazeFace) estimate them; `landmarkQuality` says so.
 */
export type FivePoints = readonly [Point, Point, Point, Point, Point];

export interface Detection {
  box: Box;
  /** Detector confidence 0..1. */
  score: number;
  landmarks: FivePoints;
}

export interface FaceDetector {
  /** Stable id, e.g. "blazeface-back-256". */
  readonly id: string;
  detect(image: RgbImage): Promise<Detection[]>;
  close(): Promise<void>;
}

/**
 * A detector whose landmarks are a second, costly step (RFB-320: a 68-point pass per face). `detect` is
 * `boxes` plus `landmarksFor` on each; a caller that needs only some faces' points (the cascade confirms with
 * boxes alone) asks for those.
 */
export interface TwoStepDetector extends FaceDetector {
  boxes(image: RgbImage): Promise<Omit<Detection, "landmarks">[]>;
  landmarksFor(image: RgbImage, box: Box): Promise<FivePoints>;
}

export interface Embedder {
  /** Stable id stored with every gallery; a gallery made with another embedder is refused. */
  readonly id: string;
  readonly dim: number;
  /** Side of the square aligned crop the embedder expects (112 for ArcFace-style models). */
  readonly inputSize: number;
  /** Returns an L2-normalised embedding of an aligned face crop. */
  embed(aligned: RgbImage): Promise<Float32Array>;
  close(): Promise<void>;
}
