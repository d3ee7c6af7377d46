/**
 * `node --import tsx scripts/eval-visits.ts [--manifest <tsv>] [--every N] [--cameras 3] [--seed 16] [--json out.json]`
 *
 * Visits through the real daemon: builds the visit set of a manifest (src/evaluation/visit-plan.ts: enrolled
 * people's probes as walk-ins of 3–5 photos, masked and unmasked; never-enrolled people's photo as a walk-in of
 * their own; most visits apart, some queued), enrolls the manifest's enroll rows with the real enrollment code,
 * runs `facegate run` on one video per camera against a real mosquitto with the calibrated thresholds, and scores
 * the MQTT events per visit: named right / someone else / unknown, strangers' visits named per split (A
 * calibrates, B is only reported), splits, time and faces to a decision. Videos are cached in
 * ~/.cache/facegate/visits; the analyses (face sizes, enrollment) in the evaluation cache. `--every 4` keeps every
 * fourth person and stranger: a quick run. Needs ffmpeg and mosquitto. The daemon runs in real time, so it drops
 * frames when the machine is busy: the load is reported with the figures.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { DEFAULT_MANIFEST } from "../src/cli/commands/calibrate.ts";
import { productEvalGallery, subjectFace } from "../src/evaluation/eval-gallery.ts";
import { loadAnalyses } from "../src/evaluation/load-analyses.ts";
import { readManifest } from "../src/evaluation/manifest.ts";
import { type PhotoGeometry, plannedFace, planVisits } from "../src/evaluation/visit-plan.ts";
import { scoreVisits, summarize } from "../src/evaluation/visit-score.ts";
import { writeGalleryFile } from "../src/recognition/gallery-file.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";
import { startMosquitto } from "../test/mqtt-support.ts";
import { runVisitDaemon } from "./eval-visits/daemon.ts";
import { visitMarkdown } from "./eval-visits/report.ts";
import { cameraVideo } from "./eval-visits/videos.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    manifest: { type: "string" },
    every: { type: "string", default: "1" },
    cameras: { type: "string", default: "3" },
    seed: { type: "string", default: "16" },
    json: { type: "string" },
  },
});
const log = (line: string) => process.stderr.write(`[eval-visits] ${line}\n`);
const FPS = 10;

async function main(): Promise<void> {
  const manifest = resolve(ROOT, values.manifest ?? DEFAULT_MANIFEST);
  const rows = readManifest(manifest);
  const plan = planVisits(rows, {
    cameras: Number(values.cameras),
    every: Number(values.every),
    seed: Number(values.seed),
    fps: FPS,
  });
  log(`${plan.visits.length} visits on ${plan.cameras.length} cameras (${plan.recipe})`);
  const work = mkdtempSync(join(tmpdir(), "facegate-visits-"));
  const vision = new VisionClient({});
  await vision.start();
  let galleryPath: string;
  const geometry = new Map<string, PhotoGeometry>();
  try {
    const analyses = await loadAnalyses(vision, rows, undefined, log);
    const { gallery } = productEvalGallery(rows, analyses, vision);
    galleryPath = join(work, "gallery.json");
    writeGalleryFile(galleryPath, gallery);
    log(`${gallery.people.size} people enrolled`);
    // where each photo's subject is, so that its face can be shown at the planned width and found again
    for (const path of new Set(plan.visits.flatMap((v) => v.photos))) {
      const face = subjectFace(analyses.get(path));
      const { width = 250, height = 250 } = await sharp(path).autoOrient().metadata();
      const [x, y, w, h] = face?.box ?? [width * 0.29, height * 0.29, height * 0.42, height * 0.42];
      geometry.set(path, {
        aspect: width / height,
        face: [(x + w / 2) / width, (y + h / 2) / height, w / height],
      });
    }
  } finally {
    await vision.stop();
  }
  const videos = [];
  for (const shots of plan.cameras) {
    const durationS = shots.reduce((s, x) => s + x.seconds, 0);
    videos.push({ path: await cameraVideo(shots, (p) => geometryOf(geometry, p), FPS, log), durationS });
  }
  log(`videos: ${videos.map((v) => `${v.path} (${Math.round(v.durationS)} s)`).join(", ")}`);
  const broker = await startMosquitto();
  try {
    const run = await runVisitDaemon({
      root: ROOT,
      workDir: work,
      brokerUrl: broker.url,
      galleryPath,
      videos,
      log,
    });
    const scored = scoreVisits(
      plan.visits,
      run.decisions,
      run.t0,
      videos.map((v) => v.durationS),
      (camera, tS) => plannedFace(plan.cameras[camera], tS, (p) => geometryOf(geometry, p)),
    );
    const summary = summarize(scored);
    const taken = run.cameras.reduce((n, c) => n + c.frames, 0);
    // what ffmpeg delivered: taken, or dropped because the pipeline was still busy with an earlier frame
    const offered = taken + run.cameras.reduce((n, c) => n + c.drops, 0);
    const machine =
      `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load average ${run.load.mean.toFixed(2)} mean / ` +
      `${run.load.max.toFixed(2)} max while it ran; the daemon took ${taken} of ${offered} frames ` +
      `(${((100 * taken) / offered).toFixed(0)} %), ${run.cpuPerVideoS?.toFixed(2) ?? "?"} CPU s per video s`;
    console.log(visitMarkdown(summary));
    console.log(`\n${plan.recipe}; ${machine}; wall ${Math.round(run.wallS)} s.`);
    if (values.json) {
      const visits = scored.map((s) => ({
        ...s,
        visit: { ...s.visit, photos: s.visit.photos.map((p) => p.replace(`${dirname(manifest)}/`, "")) },
      }));
      writeFileSync(
        values.json,
        `${JSON.stringify({ recipe: plan.recipe, machine, summary, cameras: run.cameras, visits }, null, 2)}\n`,
      );
      log(`written ${values.json}`);
    }
  } finally {
    await broker.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function geometryOf(known: Map<string, PhotoGeometry>, path: string): PhotoGeometry {
  const g = known.get(path);
  if (!g) throw new Error(`no geometry for ${path}`);
  return g;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
