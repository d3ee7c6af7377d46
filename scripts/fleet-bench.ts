/**
 * Fleet figures for the README (needs mosquitto; no face data: synthetic galleries with the real template
 * layout — 10 photos per person, one whole-face and one upper-face 512-value vector each).
 *
 *   node --import tsx scripts/fleet-bench.ts [--doors 1,10,50] [--people 10,100] [--repeats 3] [--json out.json]
 *
 * 1. Envelope size for 10 / 100 / 1,000 people, f32 and i8 vectors, and what `--vectors auto` picks.
 * 2. One door's work per envelope (verify, inflate, parse, write atomically, reload), in-process.
 * 3. Publish → applied with N light doors (the real FleetApplier + FleetDoor on their own MQTT connections and
 *    gallery files, in this one process; `facegate fleet publish` in its own): time from the broker's PUBACK to
 *    the publisher to each door's retained `<prefix>/fleet/applied` reaching a subscriber, median and max. One
 *    process does every door's checking and writing in turn, so this grows with N much faster than real doors
 *    (each on its own board) would.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FleetApplier } from "../src/fleet/applier.ts";
import { MAX_ENVELOPE_BYTES, sealEnvelope } from "../src/fleet/envelope.ts";
import { generateFleetKeys, readPublicKey } from "../src/fleet/keys.ts";
import { sealGallery } from "../src/fleet/publish.ts";
import { readGalleryFor, serializeGallery, writeGalleryFile } from "../src/recognition/gallery-file.ts";
import { jsonLines, runCli } from "../test/helpers/cli.ts";
import { type LightDoor, startLightDoor, syntheticGallery } from "../test/helpers/fleet.ts";
import { Collector, startMosquitto } from "../test/mqtt-support.ts";
import { percentile, round } from "./bench/stats.ts";

const { values } = parseArgs({
  options: {
    doors: { type: "string", default: "1,10,50" },
    people: { type: "string", default: "10,100" },
    repeats: { type: "string", default: "3" },
    json: { type: "string" },
  },
});
const list = (s: string) => s.split(",").map(Number);
const mb = (bytes: number) => round(bytes / 1e6, 2);
const dir = mkdtempSync(join(tmpdir(), "facegate-fleet-bench-"));
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const results: Record<string, unknown> = {
  machine: `${cpus().length} × ${cpus()[0]?.model}, load ${loadavg()[0].toFixed(1)}, Node ${process.version}`,
  limit_bytes: MAX_ENVELOPE_BYTES,
};

// 1 + 2: sizes, and one door's work
const sizes: Record<string, unknown>[] = [];
for (const people of [10, 100, 1000]) {
  const gallery = syntheticGallery(people);
  const row: Record<string, unknown> = { people, templates: people * 20 };
  for (const vectors of ["f32", "i8"] as const) {
    // sealEnvelope directly: sealGallery refuses what is over the limit, and the figure is wanted anyway
    const bytes = Buffer.from(serializeGallery(gallery, { vectors }));
    const { text } = sealEnvelope({ gallery: bytes, people, version: 1, created: new Date() }, privateKey);
    row[`${vectors}_gallery_mb`] = mb(bytes.length);
    row[`${vectors}_envelope_mb`] = mb(Buffer.byteLength(text));
  }
  let sealed: ReturnType<typeof sealGallery> | null = null;
  try {
    sealed = sealGallery(gallery, 1, new Date(), privateKey, "auto");
    row.auto = sealed.vectors;
  } catch (err) {
    row.auto = `refused: ${(err as Error).message}`;
  }
  if (sealed) {
    const galleryPath = join(dir, `apply-${people}`, "gallery.json");
    const applier = new FleetApplier({
      galleryPath,
      publicKey,
      embedderId: "synthetic-embedder",
      topic: "t",
    });
    const started = performance.now();
    const outcome = applier.apply(Buffer.from(sealed.text));
    readGalleryFor(galleryPath, "synthetic-embedder");
    row.door_apply_ms = round(performance.now() - started, 0);
    if (outcome.kind !== "applied") throw new Error(`apply: ${JSON.stringify(outcome)}`);
  }
  sizes.push(row);
  console.log(JSON.stringify(row));
}
results.sizes = sizes;

// 3: publish → applied with N light doors
const broker = await startMosquitto();
const keyDir = join(dir, "keys");
generateFleetKeys(keyDir);
const fleetPub = readPublicKey(join(keyDir, "fleet.pub"));
const latencies: Record<string, unknown>[] = [];
try {
  for (const people of list(values.people as string)) {
    const galleryPath = join(dir, `publisher-${people}.json`);
    for (const n of list(values.doors as string)) {
      const doors: LightDoor[] = [];
      for (let i = 0; i < n; i++)
        doors.push(
          await startLightDoor({
            url: broker.url,
            prefix: `bench${people}/${i}`,
            galleryPath: join(dir, `p${people}-n${n}`, `door${i}`, "gallery.json"),
            publicKey: fleetPub,
          }),
        );
      const watch = await Collector.connect(broker.url, [`bench${people}/+/fleet/applied`]);
      const samples: number[] = [];
      for (let r = 0; r < Number(values.repeats); r++) {
        writeGalleryFile(galleryPath, syntheticGallery(people, { seed: r + 1 }));
        // The publisher in its own process (the real CLI): its PUBACK time must not wait behind these doors' work.
        const run = await runCli([
          ...["fleet", "publish", "--gallery", galleryPath, "--key", join(keyDir, "fleet.key")],
          ...["--mqtt-url", broker.url, "--json"],
        ]);
        if (run.code !== 0) throw new Error(`fleet publish: ${run.stderr}`);
        const report = jsonLines(run.stdout)[0] as { version: number; acked_at: string };
        const isOurs = (payload: string) => JSON.parse(payload).version === report.version;
        await watch.until(
          `${n} doors applied`,
          () => doors.every((d) => watch.on(`${d.prefix}/fleet/applied`).some((m) => isOurs(m.payload))),
          600_000,
        );
        const sent = Date.parse(report.acked_at);
        for (const d of doors) {
          const applied = watch.on(`${d.prefix}/fleet/applied`).find((m) => isOurs(m.payload));
          const at = applied ? watch.arrivedAt(applied) : Number.NaN;
          samples.push(at - sent);
        }
      }
      const row = {
        people,
        doors: n,
        reports: samples.length,
        median_ms: percentile(samples, 50),
        max_ms: Math.max(...samples),
      };
      latencies.push(row);
      console.log(JSON.stringify(row));
      await watch.end();
      for (const d of doors) await d.stop();
    }
  }
} finally {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
results.latencies = latencies;
if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
