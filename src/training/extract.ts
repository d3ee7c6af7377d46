import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, relative } from "node:path";
import { buildPerson, chooseEnrollFace, type EnrollPolicy, type PhotoFaces } from "../recognition/enroll.ts";
import { PeopleFolderError } from "../recognition/errors.ts";
import type { Person } from "../recognition/gallery.ts";
import { listPersonFolders, type PersonFolder } from "../recognition/person-folders.ts";
import type { AnalyzedFace } from "../vision/analyzer.ts";
import { decodeImage } from "../vision/decode.ts";
import { ImageError } from "../vision/errors.ts";
import { mapFivePoints } from "../vision/five-points.ts";
import { walkImages } from "../vision/image-files.ts";
import { drawSyntheticMask } from "../vision/mask/synthetic.ts";
import type { RgbImage } from "../vision/types.ts";
import type { VisionClient } from "../vision/worker/vision-client.ts";
import { applyAugmentation, drawAugmentation } from "./augment.ts";
import { type FaceDataset, type FaceSample, NEGATIVE } from "./dataset.ts";
import { TrainingError } from "./errors.ts";
import { type Rng, seededRng } from "./rng.ts";

export interface ExtractOptions {
  policy: EnrollPolicy;
  /** Colour/geometry augmentations per accepted photo. */
  augmentations: number;
  /** Synthetic-masked copies per accepted photo (src/vision/mask/synthetic.ts draws the masks). */
  maskedCopies: number;
  seed: number;
  /** Called after each photo (progress on the console). */
  onPhoto?: (done: number, total: number) => void;
}

export interface SkippedPhoto {
  person: string;
  file: string;
  reason: string;
}

export interface Extraction {
  dataset: FaceDataset;
  /** Gallery people, built exactly like `facegate enroll` plus upper templates from synthetic-masked copies. */
  people: Person[];
  skipped: SkippedPhoto[];
  perPerson: { name: string; photos: number; used: number; augmented: number; masked: number }[];
  negatives: { photos: number; used: number };
  /** sha256 over every input file's relative path and content: says which photos a model was trained on. */
  dataHash: string;
}

const ANALYZE = { withUpper: true, keepAligned: true, maxFaces: 4 } as const;

/** The person folders under `root` (recognition's one rule), a bad root reported as a training failure. */
function personFolders(root: string): PersonFolder[] {
  try {
    return listPersonFolders(root);
  } catch (err) {
    if (err instanceof PeopleFolderError) throw new TrainingError(err.message);
    throw err;
  }
}

/** Detects, aligns and embeds every photo of the people (and negatives), with seeded augmentations. */
export async function extractDataset(
  vision: VisionClient,
  peopleRoot: string,
  negativeDirs: string[],
  opts: ExtractOptions,
): Promise<Extraction> {
  const folders = personFolders(peopleRoot);
  if (folders.length < 2) throw new TrainingError(`${peopleRoot} must hold at least two person folders`);
  const hash = createHash("sha256");
  const rng = seededRng(opts.seed);
  const samples: FaceSample[] = [];
  const people: Person[] = [];
  const skipped: SkippedPhoto[] = [];
  const perPerson: Extraction["perPerson"] = [];
  const files = folders.map((f) => [...walkImages(f.dir)]);
  const negFiles = negativeDirs.map((d) => [...walkImages(d)]);
  const total = files.flat().length + negFiles.flat().length;
  let done = 0;
  let group = 0;

  const analyse = async (file: string, root: string, tag: string) => {
    const bytes = readFileSync(file);
    hash
      .update(`${tag}/${relative(root, file)}`)
      .update("\0")
      .update(createHash("sha256").update(bytes).digest());
    try {
      const decoded = await decodeImage(bytes);
      const r = await vision.analyzeRaw(decoded.image, decoded.scale, ANALYZE);
      return { photo: { file, faces: r.faces } as PhotoFaces, image: decoded.image, scale: decoded.scale };
    } catch (err) {
      // A photo that is not a usable image is skipped and reported; anything else (a worker that died) is a
      // fault of the run, not of the photo, and must not quietly train a model on fewer photos.
      if (!(err instanceof ImageError)) throw err;
      return { photo: { file, error: err.message } as PhotoFaces, image: null, scale: 1 };
    } finally {
      opts.onPhoto?.(++done, total);
    }
  };

  const names = folders.map((f) => f.name);
  for (let p = 0; p < folders.length; p++) {
    const analysed = [];
    for (const file of files[p]) analysed.push(await analyse(file, peopleRoot, "people"));
    const { person, outcomes } = buildPerson(
      names[p],
      analysed.map((a) => a.photo),
      opts.policy,
    );
    const accepted = new Set(outcomes.filter((o) => o.accepted).map((o) => o.file));
    for (const o of outcomes)
      if (!o.accepted) skipped.push({ person: names[p], file: o.file, reason: o.reason ?? "rejected" });
    let augmented = 0;
    let masked = 0;
    for (const a of analysed) {
      if (!accepted.has(a.photo.file) || !a.image) continue;
      const choice = chooseEnrollFace(a.photo, opts.policy);
      if ("reason" in choice) continue;
      const extra = await augmentPhoto(
        vision,
        a.image,
        a.scale,
        choice.face,
        p,
        group,
        basename(a.photo.file),
        rng,
        opts,
      );
      samples.push(
        toSample(choice.face, p, group, basename(a.photo.file), false, choice.face.masked),
        ...extra,
      );
      augmented += extra.filter((s) => !s.masked).length;
      masked += extra.filter((s) => s.masked).length;
      // Synthetic-masked copies teach the masked path: they become upper-face templates of the person.
      if (person)
        for (const s of extra)
          if (s.masked && s.upper)
            person.templates.push({
              space: "upper",
              vector: s.upper,
              source: `${s.source}#mask`,
              masked: true,
            });
      group++;
    }
    if (person) people.push(person);
    perPerson.push({ name: names[p], photos: files[p].length, used: accepted.size, augmented, masked });
  }

  let negUsed = 0;
  for (let i = 0; i < negativeDirs.length; i++) {
    for (const file of negFiles[i]) {
      const a = await analyse(file, negativeDirs[i], `negatives${i}`);
      const choice = chooseEnrollFace(a.photo, opts.policy);
      if ("reason" in choice || !a.image) {
        skipped.push({
          person: "(negative)",
          file,
          reason: "reason" in choice ? choice.reason : "unreadable",
        });
        continue;
      }
      negUsed++;
      samples.push(toSample(choice.face, NEGATIVE, group, basename(file), false, choice.face.masked));
      group++;
    }
  }
  if (people.length < 2)
    throw new TrainingError("fewer than two people have a usable photo: nothing to train");
  const dim = samples[0]?.embedding.length ?? 0;
  return {
    dataset: { names, embedderId: vision.embedderId, dim, samples },
    people,
    skipped,
    perPerson,
    negatives: { photos: negFiles.flat().length, used: negUsed },
    dataHash: hash.digest("hex"),
  };
}

async function augmentPhoto(
  vision: VisionClient,
  image: RgbImage,
  scale: number,
  face: AnalyzedFace,
  label: number,
  group: number,
  source: string,
  rng: Rng,
  opts: ExtractOptions,
): Promise<FaceSample[]> {
  const out: FaceSample[] = [];
  const jobs: { img: RgbImage; masked: boolean }[] = [];
  for (let k = 0; k < opts.augmentations; k++)
    jobs.push({ img: applyAugmentation(image, drawAugmentation(rng)), masked: false });
  if (opts.maskedCopies > 0) {
    // Landmarks come back in original pixels; the mask is painted on the working image.
    const lm = mapFivePoints(face.landmarks, ([x, y]) => [x / scale, y / scale]);
    for (let k = 0; k < opts.maskedCopies; k++) {
      const maskedImg = drawSyntheticMask(image, lm, rng);
      // Masked copies get a mild colour/geometry change as well, so they are not all the same face.
      jobs.push({
        img: applyAugmentation(maskedImg, { ...drawAugmentation(rng), angle: 0, scale: 1 }),
        masked: true,
      });
    }
  }
  for (const job of jobs) {
    let faces: AnalyzedFace[];
    try {
      faces = (await vision.analyzeRaw(job.img, scale, ANALYZE)).faces;
    } catch (err) {
      // Only an image error skips a copy (an augmentation the analyzer cannot use); a dead worker surfaces.
      if (err instanceof ImageError) continue;
      throw err;
    }
    const choice = chooseEnrollFace({ file: source, faces }, opts.policy);
    // An augmentation that loses the face (rotated out of the detector's reach) is simply not used.
    if ("reason" in choice) continue;
    out.push(toSample(choice.face, label, group, source, true, job.masked || choice.face.masked));
  }
  return out;
}

function toSample(
  face: AnalyzedFace,
  label: number,
  group: number,
  source: string,
  augmented: boolean,
  masked: boolean,
): FaceSample {
  if (!face.aligned) throw new Error("analysis did not keep the aligned crop");
  return {
    label,
    aligned: face.aligned,
    embedding: face.embedding,
    upper: face.upperEmbedding ?? null,
    masked,
    augmented,
    source,
    group,
  };
}
