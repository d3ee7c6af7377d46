/**
 * `node --import tsx scripts/bench/rss-ab.ts [--runs 3] <checkout>[|K=V,…] <checkout>[|K=V,…] …`
 *
 * Peak RSS of the four-face daemon run, builds or environments taken in turn: the daemon's peak moves by ±10 MB
 * from run to run, so two builds are only compared run alternately on the same video and gallery. Each checkout
 * needs a compiled `dist/` (`npm run build`); `|K=V,K=V` adds environment variables to the unit's (deploy/
 * facegate.service), `ARGS=…` node flags. The benchmark's four-face video (640×480, 60 fps) and its gallery are made
 * once. Needs ../shared/data, ffmpeg and mosquitto. Example, the build before a change against this one:
 * `git worktree add /tmp/before HEAD~1 && (cd /tmp/before && npm ci) && node --import tsx scripts/bench/rss-ab.ts
 * /tmp/before .`
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildPerson, DEFAULT_ENROLL_POLICY, type PhotoFaces } from "../../src/recognition/enroll.ts";
import { Gallery } from "../../src/recognition/gallery.ts";
import { serializeGallery } from "../../src/recognition/gallery-file.ts";
import { writeFileAtomic } from "../../src/system/write-atomic.ts";
import { VisionClient } from "../../src/vision/worker/vision-client.ts";
import { startMosquitto } from "../../test/mqtt-support.ts";
import { lfwSubset } from "./accuracy.ts";
import { deployedEnv } from "./build.ts";
import { runDaemon } from "./daemon-run.ts";
import { type BenchPerson, fourFaceVideo } from "./videos.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values, positionals } = parseArgs({
  options: { runs: { type: "string", default: "3" } },
  allowPositionals: true,
});
if (positionals.length === 0) {
  console.error("usage: rss-ab.ts [--runs 3] <checkout>[|K=V,…] …");
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "facegate-rss-ab-"));
const broker = await startMosquitto();
try {
  // The bench's four-face video: the same people in the same order (scripts/bench.ts).
  const subset = lfwSubset(join(ROOT, "..", "shared", "data"), 30, 100);
  const probeOf = (name: string) => subset.probes.find((p) => p.name === name)?.file as string;
  const known: BenchPerson[] = subset.gallery.map((g) => ({ name: g.name, photo: probeOf(g.name) }));
  const strangers: BenchPerson[] = subset.test.map((f, i) => ({ name: `unknown_${i}`, photo: f }));
  const people = [
    ...known.slice(6, 9),
    strangers[2],
    ...known.slice(9, 12),
    strangers[3],
    ...known.slice(12, 15),
    strangers[4],
  ];
  const video = await fourFaceVideo(join(work, "four.mp4"), people, 60, 3);

  const vision = new VisionClient({ detector: { kind: "cascade" } });
  await vision.start();
  const gallery = new Gallery(vision.embedderId, vision.embedderDim);
  try {
    for (const p of subset.gallery.filter((g) => people.some((v) => v.name === g.name))) {
      const photos: PhotoFaces[] = [];
      for (const file of p.files) {
        const r = await vision.analyzeEncoded(readFileSync(file), { withUpper: true, maxFaces: 4 });
        photos.push({ file, faces: r.faces });
      }
      const { person } = buildPerson(p.name, photos, DEFAULT_ENROLL_POLICY);
      if (person) gallery.put(person);
    }
  } finally {
    await vision.stop();
  }
  const galleryPath = join(work, "gallery");
  writeFileAtomic(galleryPath, serializeGallery(gallery));

  const peaks = new Map<string, number[]>();
  for (let run = 0; run < Number(values.runs); run++)
    for (const variant of positionals) {
      const [checkout, extra = ""] = variant.split("|");
      const root = resolve(checkout);
      const more = Object.fromEntries(
        extra
          .split(",")
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
      );
      const { ARGS, ...env } = more;
      const result = await runDaemon({
        root,
        workDir: work,
        label: "4faces",
        video,
        brokerUrl: broker.url,
        galleryPath,
        detector: "cascade",
        enrolled: subset.gallery.map((g) => g.name),
        entry: join(root, "dist", "cli", "index.js"),
        env: { ...deployedEnv(ROOT), ...env },
        nodeArgs: ARGS ? ARGS.split(" ") : [],
      });
      peaks.set(variant, [...(peaks.get(variant) ?? []), result.peakRssMb ?? Number.NaN]);
      console.log(
        `${variant}: peak RSS ${result.peakRssMb} MB, CPU ${result.cpuMsPerFrame} ms per frame, ${result.fps} fps, load ${result.loadavg1}`,
      );
    }
  for (const [variant, list] of peaks) {
    const sorted = [...list].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    console.log(`${variant}: ${sorted.join(", ")} MB (median ${median})`);
  }
} finally {
  await broker.stop();
  rmSync(work, { recursive: true, force: true });
}
