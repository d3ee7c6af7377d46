/**
 * Who walks through the benchmark's videos, and the gallery the daemon runs with: shared by `npm run bench` and
 * scripts/bench/rss-ab.ts, so both measure the same visits.
 */
import { readFileSync } from "node:fs";
import { buildPerson, DEFAULT_ENROLL_POLICY, type PhotoFaces } from "../../src/recognition/enroll.ts";
import { Gallery } from "../../src/recognition/gallery.ts";
import { serializeGallery } from "../../src/recognition/gallery-file.ts";
import { writeFileAtomic } from "../../src/system/write-atomic.ts";
import type { VisionClient } from "../../src/vision/worker/vision-client.ts";
import type { LfwSubset } from "./accuracy.ts";
import type { BenchPerson } from "./videos.ts";

/**
 * Enrolled people (probe photos, never their enrollment photos) and a few unknowns, per video: fewer for `--quick`
 * (and one face for `--smoke`).
 */
export function videoPeople(
  subset: LfwSubset,
  size: { smoke?: boolean; quick?: boolean } = {},
): { one: BenchPerson[]; four: BenchPerson[] } {
  const probeOf = (name: string) => subset.probes.find((p) => p.name === name)?.file as string;
  const known: BenchPerson[] = subset.gallery.map((g) => ({ name: g.name, photo: probeOf(g.name) }));
  const strangers: BenchPerson[] = subset.test.map((f, i) => ({ name: `unknown_${i}`, photo: f }));
  const one = size.smoke
    ? [known[0]]
    : size.quick
      ? [known[0], known[1], strangers[0]]
      : [...known.slice(0, 6), strangers[0], strangers[1]];
  const four = size.quick
    ? [known[1], known[2], known[3], strangers[1]]
    : [
        ...known.slice(6, 9),
        strangers[2],
        ...known.slice(9, 12),
        strangers[3],
        ...known.slice(12, 15),
        strangers[4],
      ];
  return { one, four };
}

/** Enrolls the subset's people who appear in `people` through the real enrollment code and writes the gallery. */
export async function writeVideoGallery(
  vision: Pick<VisionClient, "embedderId" | "embedderDim" | "analyzeEncoded">,
  subset: LfwSubset,
  people: readonly BenchPerson[],
  path: string,
): Promise<void> {
  const gallery = new Gallery(vision.embedderId, vision.embedderDim);
  for (const p of subset.gallery.filter((g) => people.some((v) => v.name === g.name))) {
    const photos: PhotoFaces[] = [];
    for (const file of p.files) {
      const r = await vision.analyzeEncoded(readFileSync(file), { withUpper: true, maxFaces: 4 });
      photos.push({ file, faces: r.faces });
    }
    const { person } = buildPerson(p.name, photos, DEFAULT_ENROLL_POLICY);
    if (person) gallery.put(person);
  }
  writeFileAtomic(path, serializeGallery(gallery));
}
