import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { FaceEvent, ModelInfo } from "../src/events/types.ts";
import { activateVersion, pointerPath, versionDir } from "../src/recognition/model-store.ts";
import { writeFileAtomic } from "../src/system/write-atomic.ts";
import {
  DaemonProcess,
  enrollPhotos,
  lfwRows,
  ROOT,
  singleFacePhotos,
  TEST_THRESHOLD,
  writeSettings,
} from "./daemon-support.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { makeVideo, NO_SHARED_DATA, sharedDataDir, walkInOut } from "./helpers/video.ts";
import { Collector, type Mosquitto, startMosquitto } from "./mqtt-support.ts";

const data = sharedDataDir();

/** `facegate <args>` from source; resolves with stdout, rejects on a non-zero exit. */
async function facegate(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [join(ROOT, "bin", "facegate.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, FACEGATE_FROM_SOURCE: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`facegate ${args.join(" ")} exited ${code}:\n${out}`);
  return out;
}

/** A people folder (one sub-folder per person) of symlinks to the shared photos: nothing is copied. */
function peopleDir(dir: string, people: Record<string, string[]>): string {
  for (const [name, files] of Object.entries(people)) {
    mkdirSync(join(dir, name), { recursive: true });
    for (const f of files) symlinkSync(f, join(dir, name, f.split("/").at(-1) as string));
  }
  return dir;
}

/**
 * Hot reload of trained models under a running daemon (`training.store` set): a version trained without
 * Bill_Clinton calls him unknown; activating one trained with him names him on his next visit, without a
 * restart; a version whose gallery.json is truncated is refused (the model topic keeps saying the old version,
 * error retained on facegate/error); `facegate rollback` returns to the first version and he is unknown again.
 */
describe("facegate run: model store hot reload", { skip: data ? false : NO_SHARED_DATA }, () => {
  const dir = tempDir("facegate-store-");
  let broker: Mosquitto | null = null;
  let collector: Collector | null = null;
  let daemon: DaemonProcess | null = null;

  after(async () => {
    await daemon?.kill("SIGKILL");
    await collector?.end();
    await broker?.stop();
  });

  it("switches versions on current.json changes, refuses a corrupt one, rolls back", async (t) => {
    const rows = lfwRows(data as string);
    const enroll = (name: string) => enrollPhotos(rows, name);
    const v1People = { Abdullah_Gul: enroll("Abdullah_Gul"), Condoleezza_Rice: enroll("Condoleezza_Rice") };
    const v2People = { ...v1People, Bill_Clinton: enroll("Bill_Clinton") };
    const store = join(dir, "store");
    const side = join(dir, "side-store");
    const train = ["--epochs", "25", "--augment", "0", "--masked-copies", "0", "--json"];
    // The two trainings run at once (the second into a side store, copied over afterwards): half the wait.
    const [out1, out2, [clinton]] = await Promise.all([
      facegate(["train", peopleDir(join(dir, "p1"), v1People), "--out", store, ...train]),
      new Promise((r) => setTimeout(r, 1500)).then(() =>
        facegate(["train", peopleDir(join(dir, "p2"), v2People), "--out", side, "--no-activate", ...train]),
      ),
      singleFacePhotos([
        rows
          .filter((r) => r.identity === "Bill_Clinton" && r.role === "probe" && !r.masked)
          .map((r) => r.path),
      ]),
    ]);
    const v1 = JSON.parse(out1.trim().split("\n").at(-1) as string).version as string;
    const v2 = JSON.parse(out2.trim().split("\n").at(-1) as string).version as string;
    assert.notEqual(v1, v2, "two trainings get distinct version ids");
    cpSync(versionDir(side, v2), versionDir(store, v2), { recursive: true });

    const video = await makeVideo({
      out: join(dir, "visits.mp4"),
      segments: walkInOut([{ path: clinton }, { path: clinton }, { path: clinton }], {
        visibleS: 2,
        gapS: 3.5, // room for the refused version and `facegate rollback` between two visits
      }).slice(1),
    });
    broker = await startMosquitto();
    const c = await Collector.connect(broker.url, ["facegate/#"]);
    collector = c;
    const config = join(dir, "facegate.yaml");
    writeSettings(config, {
      gallery: join(dir, "no-gallery"),
      training: { store },
      recognition: { threshold: TEST_THRESHOLD },
      mqtt: { url: broker.url },
      cameras: { door: { source: video.path } },
    });
    const d = new DaemonProcess(config);
    daemon = d;
    const events = () => c.on("facegate/door/event").map((m) => JSON.parse(m.payload) as FaceEvent);
    const lefts = () => events().filter((e) => e.type === "left").length;
    const model = () => {
      const last = c.on("facegate/model").at(-1);
      return last ? (JSON.parse(last.payload) as ModelInfo) : null;
    };

    await c.until("v1 in use", () => model()?.version === v1, 30_000);
    assert.deepEqual(model()?.people, ["Abdullah_Gul", "Condoleezza_Rice"]);
    await c.until("first visit over", () => lefts() >= 1, 40_000);

    const switched = performance.now();
    activateVersion(store, v2); // what `facegate train` does at its end
    await c.until("v2 in use", () => model()?.version === v2, 10_000);
    t.diagnostic(
      `current.json replaced → new model published: ${Math.round(performance.now() - switched)} ms`,
    );
    const loadMs = d.logs("gallery reloaded").at(-1)?.load_ms;
    t.diagnostic(`model load (gallery + head) inside the daemon: ${Number(loadMs).toFixed(1)} ms`);
    assert.deepEqual(model()?.people, ["Abdullah_Gul", "Bill_Clinton", "Condoleezza_Rice"]);
    // Presence follows the new people list (Home Assistant discovery is synced the same way).
    await c.until("presence for the new person", () => c.on("facegate/people/bill_clinton").length > 0);
    await c.until("second visit over", () => lefts() >= 2, 20_000);

    // A new version whose gallery.json was cut short (a copy that died half-way), made active by hand.
    const bad = `${v2}-bad`;
    cpSync(versionDir(store, v2), versionDir(store, bad), { recursive: true });
    const gallery = join(versionDir(store, bad), "gallery.json");
    const text = readFileSync(gallery, "utf8");
    writeFileSync(gallery, text.slice(0, text.length / 2));
    const pointer = { format: "facegate-model-pointer", version: bad, previous: v1, activated_at: "x" };
    writeFileAtomic(pointerPath(store), JSON.stringify(pointer));
    await c.until(
      "error published",
      () => c.on("facegate/error").some((m) => m.payload.includes("reload")),
      10_000,
    );
    // The visit goes on meanwhile; the daemon still uses v2 (the last good one) and says so.
    assert.equal(model()?.version, v2, "the model in use stays the last good one");

    const rolledBack = await facegate(["rollback", "--store", store]);
    assert.match(rolledBack, new RegExp(`→ ${v1}`));
    await c.until("v1 in use again", () => model()?.version === v1, 10_000);
    await c.until("third visit over", () => lefts() >= 3, 20_000);

    assert.deepEqual(
      events()
        .filter((e) => e.type !== "left")
        .slice(0, 3)
        .map((e) => `${e.type} ${e.name ?? "unknown"}`),
      ["unknown unknown", "identified Bill_Clinton", "unknown unknown"],
    );
    const error = c
      .on("facegate/error")
      .filter((m) => m.payload !== "")
      .at(-1);
    assert.equal(JSON.parse(error?.payload ?? "{}").source, "reload");
    assert.equal(d.logs("reload failed; keeping the gallery in use").length, 1);
    // The later successful reload cleared the retained error.
    assert.equal(c.on("facegate/error").at(-1)?.payload, "");
  });
});
