import { existsSync } from "node:fs";
import { analyzeEnrollPhotos, buildPerson, enrollPolicyFor } from "../recognition/enroll.ts";
import { Gallery } from "../recognition/gallery.ts";
import { writeGalleryFile } from "../recognition/gallery-file.ts";
import { listPersonFolders } from "../recognition/person-folders.ts";
import { calibrationFor, defaultCalibrationPath } from "../recognition/recognizer.ts";
import type { Settings } from "../settings/load.ts";
import type { Logger } from "../system/logger.ts";
import { WEIGHTS_DIR } from "../vision/factory.ts";
import { walkImages } from "../vision/image-files.ts";
import { VisionClient } from "../vision/worker/vision-client.ts";

export interface DemoGalleryResult {
  created: boolean;
  people: string[];
}

/**
 * Demo mode's first start: with `demo.people` set and no gallery file yet, the demo people are enrolled into the
 * gallery through the real enrollment path (the same as `facegate enroll`). An existing gallery is never touched,
 * so a demo gallery is created once and a real one is never mixed with demo people.
 */
export async function ensureDemoGallery(settings: Settings, logger: Logger): Promise<DemoGalleryResult> {
  const demo = settings.demo;
  if (!demo || existsSync(settings.gallery)) return { created: false, people: [] };
  const folders = listPersonFolders(demo.people);
  if (folders.length === 0) throw new Error(`demo.people: ${demo.people} holds no person folders`);
  const started = Date.now();
  const vision = new VisionClient({ modelsDir: settings.models_dir });
  await vision.start();
  try {
    const gallery = new Gallery(vision.embedderId, vision.embedderDim);
    const policy = enrollPolicyFor(calibrationFor(defaultCalibrationPath(WEIGHTS_DIR), vision.embedderId));
    for (const { name, dir } of folders) {
      const files = [...walkImages(dir)];
      const { person, outcomes } = buildPerson(name, await analyzeEnrollPhotos(vision, files), policy);
      if (!person) {
        const why = outcomes.map((o) => `${o.file}: ${o.reason}`).join("; ") || "no photos";
        throw new Error(`demo person ${name} could not be enrolled (${why})`);
      }
      gallery.put(person);
    }
    writeGalleryFile(settings.gallery, gallery);
    const people = folders.map((f) => f.name);
    logger.info(
      { gallery: settings.gallery, people, ms: Date.now() - started },
      `demo gallery created from ${demo.people}`,
    );
    return { created: true, people };
  } finally {
    await vision.stop();
  }
}
