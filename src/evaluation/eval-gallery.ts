export { enrollPolicyFor } from "../recognition/enroll.ts";

import type { Calibration } from "../recognition/calibration.ts";
import { buildPerson, type EnrollPolicy, enrollPolicyFor, type PhotoFaces } from "../recognition/enroll.ts";
import { Gallery, type TemplateSpace } from "../recognition/gallery.ts";
import { meanTemplate } from "../recognition/matcher.ts";
import { calibrationFor, defaultCalibrationPath } from "../recognition/recognizer.ts";
import type { FaceAnalysis } from "../vision/analyzer.ts";
import { WEIGHTS_DIR } from "../vision/factory.ts";
import type { CachedAnalysis } from "./analysis-cache.ts";
import type { ManifestRow } from "./manifest.ts";

/** The photo's subject: its largest face, as enrollment picks it (LFW photos are centred on the named person). */
export function subjectFace(analysis: CachedAnalysis | undefined): FaceAnalysis | null {
  if (!analysis || "error" in analysis || analysis.faces.length === 0) return null;
  return analysis.faces.reduce((a, b) => (b.box[2] * b.box[3] > a.box[2] * a.box[3] ? b : a));
}

export interface EvalGallery {
  gallery: Gallery;
  /** People in the manifest with enroll rows whose photos all failed. */
  notEnrolled: string[];
  photosRejected: number;
}

/** Enrolls the `enroll` rows with the product's enrollment code, one person per identity. */
export function buildEvalGallery(
  rows: ManifestRow[],
  analyses: Map<string, CachedAnalysis>,
  embedderId: string,
  dim: number,
  policy: EnrollPolicy,
): EvalGallery {
  const byPerson = new Map<string, PhotoFaces[]>();
  for (const row of rows) {
    if (row.role !== "enroll") continue;
    const a = analyses.get(row.path);
    const photo: PhotoFaces = !a ? { file: row.path, error: "not analysed" } : { file: row.path, ...a };
    byPerson.set(row.identity, [...(byPerson.get(row.identity) ?? []), photo]);
  }
  const gallery = new Gallery(embedderId, dim);
  const notEnrolled: string[] = [];
  let photosRejected = 0;
  for (const [name, photos] of byPerson) {
    const { person, outcomes } = buildPerson(name, photos, policy);
    photosRejected += outcomes.filter((o) => !o.accepted).length;
    if (person) gallery.put(person);
    else notEnrolled.push(name);
  }
  return { gallery, notEnrolled, photosRejected };
}

/**
 * The `enroll` rows enrolled as the product would for this embedder: with the committed calibration (null for an
 * embedder it does not cover) and the enroll policy it implies. Scripts that measure on a manifest start here.
 */
export function productEvalGallery(
  rows: ManifestRow[],
  analyses: Map<string, CachedAnalysis>,
  embedder: { embedderId: string; embedderDim: number },
): EvalGallery & { calibration: Calibration | null } {
  const calibration = calibrationFor(defaultCalibrationPath(WEIGHTS_DIR), embedder.embedderId);
  const policy = enrollPolicyFor(calibration);
  return {
    ...buildEvalGallery(rows, analyses, embedder.embedderId, embedder.embedderDim, policy),
    calibration,
  };
}

/** Each person's mean template in a space, as the Matcher compares against (people without one are left out). */
export function meanTemplates(gallery: Gallery, space: TemplateSpace): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const name of gallery.names()) {
    const vectors = (gallery.people.get(name)?.templates ?? [])
      .filter((t) => t.space === space)
      .map((t) => t.vector);
    if (vectors.length > 0) out.set(name, meanTemplate(vectors, gallery.dim));
  }
  return out;
}

/** How many templates a gallery holds, per person: tells whether two enrollments came out the same. */
export function templateSignature(gallery: Gallery): string {
  return gallery
    .names()
    .map((n) => `${n}:${gallery.people.get(n)?.templates.length ?? 0}`)
    .join(",");
}
