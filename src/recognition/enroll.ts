import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { AnalyzerOptions, FaceAnalysis } from "../vision/analyzer.ts";
import { type Calibration, oneToOneThreshold } from "./calibration.ts";
import type { Person, Template } from "./gallery.ts";
import { cosine, meanTemplate } from "./matcher.ts";

export interface EnrollPolicy {
  /** Faces narrower than this (original pixels) are too small to enroll. */
  minFaceSize: number;
  /** Aligned-face sharpness below this is too blurred (see vision/quality.ts). */
  minSharpness: number;
  /** A whole-face template whose similarity to the rest of the person's templates falls below this is dropped. */
  outlierThreshold: number;
}

export const DEFAULT_ENROLL_POLICY: EnrollPolicy = {
  minFaceSize: 48,
  minSharpness: 25,
  outlierThreshold: 0.25,
};

export interface PhotoOutcome {
  file: string;
  accepted: boolean;
  reason?: string;
  masked?: boolean;
}

export interface PhotoFaces {
  file: string;
  faces?: FaceAnalysis[];
  error?: string;
}

/** The part of the vision client enrollment uses (VisionClient in the worker, or an analyzer in-process). */
export interface PhotoAnalyzer {
  analyzeEncoded(bytes: Uint8Array, opts: AnalyzerOptions): Promise<{ faces: FaceAnalysis[] }>;
}

/**
 * Analyses a person's photo files the way enrollment needs them (upper-face embeddings too, a few faces per photo
 * so that the largest can be chosen); a photo that cannot be read or decoded carries its error instead.
 */
export async function analyzeEnrollPhotos(vision: PhotoAnalyzer, files: string[]): Promise<PhotoFaces[]> {
  const photos: PhotoFaces[] = [];
  for (const file of files) {
    try {
      const r = await vision.analyzeEncoded(readFileSync(file), { withUpper: true, maxFaces: 4 });
      photos.push({ file, faces: r.faces });
    } catch (err) {
      photos.push({ file, error: (err as Error).message });
    }
  }
  return photos;
}

/** Picks the photo's face (the largest) and checks it is usable for enrollment. */
export function chooseEnrollFace(
  photo: PhotoFaces,
  policy: EnrollPolicy,
): { face: FaceAnalysis } | { reason: string } {
  if (photo.error) return { reason: photo.error };
  const faces = photo.faces ?? [];
  if (faces.length === 0) return { reason: "no face found" };
  const face = faces.reduce((a, b) => (b.box[2] * b.box[3] > a.box[2] * a.box[3] ? b : a));
  if (face.faceSize < policy.minFaceSize) {
    return { reason: `face too small (${Math.round(face.faceSize)} px wide, needs ${policy.minFaceSize})` };
  }
  if (face.sharpness < policy.minSharpness) {
    return {
      reason: `face too blurred (sharpness ${face.sharpness.toFixed(0)}, needs ${policy.minSharpness})`,
    };
  }
  if (!face.upperEmbedding)
    throw new Error("enrollment needs upper-face embeddings (analyze with withUpper)");
  return { face };
}

/**
 * Drops whole-face templates that disagree with the rest of the person's photos (wrong person in the folder, a
 * bad detection): each is compared with the mean of the others. Needs three or more to tell who is the odd one.
 */
export function findOutliers(vectors: Float32Array[], threshold: number): Set<number> {
  const out = new Set<number>();
  if (vectors.length < 3) return out;
  const dim = vectors[0].length;
  vectors.forEach((v, i) => {
    const others = meanTemplate(
      vectors.filter((_, j) => j !== i),
      dim,
    );
    if (cosine(v, others) < threshold) out.add(i);
  });
  // If most photos disagree, the folder is inconsistent, not one photo: keep them and let the summary show it.
  return out.size * 2 > vectors.length ? new Set() : out;
}

/** The face a template is made from: its vectors and whether it wore a mask. */
export interface TemplateFace {
  embedding: Float32Array;
  upperEmbedding?: Float32Array | null;
  masked: boolean;
}

/**
 * The templates one face gives (photo, or a capture assigned on the web page): a whole-face template unless it is
 * masked (a masked whole face would drag the person's mean towards masks), and an upper-face one when there is an
 * upper-face vector.
 */
export function templatesOf(face: TemplateFace, source: string): Template[] {
  const out: Template[] = [];
  if (!face.masked) out.push({ space: "full", vector: face.embedding, source, masked: false });
  if (face.upperEmbedding)
    out.push({ space: "upper", vector: face.upperEmbedding, source, masked: face.masked });
  return out;
}

/**
 * One more photo for a person (the web page's upload): the photo is chosen and checked as `enroll` does, and
 * an unmasked face is an outlier under the same rule when it disagrees with the person's whole-face templates.
 * Returns the person with the photo's templates added, or why the photo was refused.
 */
export function addPhoto(
  name: string,
  existing: Person | undefined,
  photo: PhotoFaces,
  policy: EnrollPolicy,
  now = new Date(),
): { person: Person; masked: boolean } | { reason: string } {
  const choice = chooseEnrollFace(photo, policy);
  if ("reason" in choice) return choice;
  const { face } = choice;
  const others = (existing?.templates ?? []).filter((t) => t.space === "full").map((t) => t.vector);
  if (!face.masked && findOutliers([...others, face.embedding], policy.outlierThreshold).has(others.length))
    return { reason: "does not look like the person's other photos (outlier)" };
  const person: Person = existing
    ? { ...existing, templates: [...existing.templates] }
    : { name, enrolledAt: now.toISOString(), templates: [] };
  person.templates.push(...templatesOf(face, basename(photo.file)));
  return { person, masked: face.masked };
}

export interface PersonEnrollment {
  person: Person | null;
  outcomes: PhotoOutcome[];
}

/** Builds a person's templates from analysed photos. Masked photos only give upper-face templates. */
export function buildPerson(name: string, photos: PhotoFaces[], policy: EnrollPolicy): PersonEnrollment {
  const outcomes: PhotoOutcome[] = [];
  const accepted: { file: string; face: FaceAnalysis }[] = [];
  for (const photo of photos) {
    const choice = chooseEnrollFace(photo, policy);
    if ("reason" in choice) outcomes.push({ file: photo.file, accepted: false, reason: choice.reason });
    else accepted.push({ file: photo.file, face: choice.face });
  }
  const unmasked = accepted.filter((a) => !a.face.masked);
  const outliers = findOutliers(
    unmasked.map((a) => a.face.embedding),
    policy.outlierThreshold,
  );
  const dropped = new Set(unmasked.filter((_, i) => outliers.has(i)).map((a) => a.file));
  const templates: Template[] = [];
  for (const { file, face } of accepted) {
    if (dropped.has(file)) {
      outcomes.push({
        file,
        accepted: false,
        reason: "does not look like the person's other photos (outlier)",
      });
      continue;
    }
    templates.push(...templatesOf(face, basename(file)));
    outcomes.push({ file, accepted: true, masked: face.masked });
  }
  const person = templates.length > 0 ? { name, enrolledAt: new Date().toISOString(), templates } : null;
  return { person, outcomes };
}

/** Enrollment's policy under a calibration: a photo that would not pass as the same person 1-to-1 is an outlier. */
export function enrollPolicyFor(calibration: Calibration | null): EnrollPolicy {
  return {
    ...DEFAULT_ENROLL_POLICY,
    outlierThreshold: calibration
      ? (oneToOneThreshold(calibration, "full") ?? DEFAULT_ENROLL_POLICY.outlierThreshold)
      : DEFAULT_ENROLL_POLICY.outlierThreshold,
  };
}
