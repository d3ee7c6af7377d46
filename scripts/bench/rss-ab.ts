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
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { VisionClient } from "../../src/vision/worker/vision-client.ts";
import { startMosquitto } from "../../test/mqtt-support.ts";
import { lfwSubset } from "./accuracy.ts";
import { deployedEnv } from "./build.ts";
import { runDaemon } from "./daemon-run.ts";
import { videoPeople, writeVideoGallery } from "./video-people.ts";
import { fourFaceVideo } from "./videos.ts";

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
  // The bench's four-face video and gallery.
  const subset = lfwSubset(join(ROOT, "..", "shared", "data"), 30, 100);
  const people = videoPeople(subset).four;
  const video = await fourFaceVideo(join(work, "four.mp4"), people, 60, 3);
  const vision = new VisionClient({ detector: { kind: "cascade" } });
  await vision.start();
  const galleryPath = join(work, "gallery");
  try {
    await writeVideoGallery(vision, subset, people, galleryPath);
  } finally {
    await vision.stop();
  }

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
