import { analyzeEnrollPhotos, buildPerson, enrollPolicyFor } from "../../recognition/enroll.ts";
import { PeopleFolderError } from "../../recognition/errors.ts";
import type { Person } from "../../recognition/gallery.ts";
import { assertLocallyWritable, readGalleryFor, updateGalleryFile } from "../../recognition/gallery-file.ts";
import { listPersonFolders, type PersonFolder } from "../../recognition/person-folders.ts";
import { calibrationFor, defaultCalibrationPath } from "../../recognition/recognizer.ts";
import { WEIGHTS_DIR } from "../../vision/factory.ts";
import { walkImages } from "../../vision/image-files.ts";
import { VisionClient } from "../../vision/worker/vision-client.ts";
import { parseCommandArgs, requireOption, UsageError } from "../args.ts";
import { visionConfigFrom, visionFlags } from "../vision-options.ts";

export const enrollUsage = `facegate enroll <dir> --gallery <path> [--only <name>]... [--json]
  <dir> holds one folder per person (folder name = person name) with their photos.
  Adds or replaces those people in the gallery; prints a per-person summary.`;

export async function runEnroll(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    gallery: { type: "string" },
    only: { type: "string", multiple: true },
    json: { type: "boolean" },
    ...visionFlags,
  });
  const galleryPath = requireOption(values.gallery, "--gallery");
  if (positionals.length !== 1) throw new UsageError("give exactly one folder of person folders");
  const root = positionals[0];
  const people = listPeople(root, values.only);
  // A door whose gallery comes from a fleet publisher says so before minutes of photo analysis, not after.
  assertLocallyWritable(galleryPath);

  const vision = new VisionClient(visionConfigFrom(values));
  await vision.start();
  try {
    // Refuse a damaged or foreign gallery before any work is done, and never overwrite it.
    readGalleryFor(galleryPath, vision.embedderId);
    const enrolled: Person[] = [];
    const calibration = calibrationFor(defaultCalibrationPath(WEIGHTS_DIR), vision.embedderId);
    const policy = enrollPolicyFor(calibration);
    let failures = 0;
    const summary: object[] = [];
    for (const { name, dir } of people) {
      const files = [...walkImages(dir)];
      const { person, outcomes } = buildPerson(name, await analyzeEnrollPhotos(vision, files), policy);
      const used = outcomes.filter((o) => o.accepted);
      const rejected = outcomes.filter((o) => !o.accepted);
      if (person) enrolled.push(person);
      else failures++;
      summary.push({
        name,
        photos: files.length,
        used: used.length,
        masked_photos: used.filter((o) => o.masked).length,
        templates: person?.templates.length ?? 0,
        enrolled: person !== null,
        rejected: rejected.map((o) => ({ file: o.file, reason: o.reason })),
      });
      if (!values.json) printPerson(name, files.length, used.length, person !== null, rejected);
    }
    // Merged into the gallery as it is now, under its lock: people the daemon's page added meanwhile stay.
    const size =
      enrolled.length > 0
        ? await updateGalleryFile(
            galleryPath,
            { embedderId: vision.embedderId, dim: vision.embedderDim },
            (gallery) => {
              for (const person of enrolled) gallery.put(person);
              return gallery.people.size;
            },
          )
        : (readGalleryFor(galleryPath, vision.embedderId)?.people.size ?? 0);
    if (values.json) process.stdout.write(`${JSON.stringify({ gallery: galleryPath, people: summary })}\n`);
    else console.log(`gallery ${galleryPath}: ${size} people (${vision.embedderId})`);
    return failures > 0 ? 1 : 0;
  } finally {
    await vision.stop();
  }
}

function listPeople(root: string, only?: string[]): PersonFolder[] {
  let folders: PersonFolder[];
  try {
    folders = listPersonFolders(root);
  } catch (err) {
    // A wrong people folder is a wrong command line here: exit 2 with the usage.
    if (err instanceof PeopleFolderError) throw new UsageError(err.message);
    throw err;
  }
  const people = folders.filter((p) => !only || only.includes(p.name));
  if (people.length === 0)
    throw new UsageError(`${root} holds no person folders (one folder per person expected)`);
  return people;
}

function printPerson(
  name: string,
  photos: number,
  used: number,
  enrolled: boolean,
  rejected: { file: string; reason?: string }[],
): void {
  const status = enrolled
    ? "enrolled"
    : photos === 0
      ? "NOT enrolled: folder holds no images"
      : "NOT enrolled";
  console.log(`${name}: ${used}/${photos} photos used — ${status}`);
  for (const r of rejected) console.log(`  skipped ${r.file}: ${r.reason}`);
}
