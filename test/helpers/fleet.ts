/**
 * Synthetic galleries with the real template layout, for the fleet tests and the fleet benchmark: per person,
 * one whole-face and one upper-face template per photo, 512-value L2-normalised vectors (the bundled embedder's
 * size), each photo's vector its person's direction plus noise so that a person's templates resemble each other
 * the way real ones do.
 */
import type { KeyObject } from "node:crypto";
import { type ApplyOutcome, FleetApplier } from "../../src/fleet/applier.ts";
import { FleetDoor } from "../../src/fleet/door.ts";
import { ErrorTopic } from "../../src/mqtt/error-topic.ts";
import { MqttPublisher } from "../../src/mqtt/publisher.ts";
import { Topics } from "../../src/mqtt/topics.ts";
import { Gallery, type Template } from "../../src/recognition/gallery.ts";
import { readGalleryFor } from "../../src/recognition/gallery-file.ts";
import { buildMatcher } from "../../src/recognition/recognizer.ts";
import { parseSettings } from "../../src/settings/load.ts";
import { createLogger, type Logger } from "../../src/system/logger.ts";
import { mulberry32 } from "../../src/vision/mask/rng.ts";

export const REAL_DIM = 512;

function gaussian(rng: () => number): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function normalised(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

export function syntheticGallery(
  people: number,
  { photos = 10, dim = REAL_DIM, embedder = "synthetic-embedder", seed = 1, prefix = "Person" } = {},
): Gallery {
  const rng = mulberry32(seed);
  const g = new Gallery(embedder, dim);
  for (let p = 0; p < people; p++) {
    const centre = normalised(Float32Array.from({ length: dim }, () => gaussian(rng)));
    const templates: Template[] = [];
    for (let f = 0; f < photos; f++) {
      for (const space of ["full", "upper"] as const) {
        const v = normalised(centre.map((x) => x + 0.04 * gaussian(rng)));
        templates.push({
          space,
          vector: v,
          source: `photo_${String(f).padStart(4, "0")}.jpg`,
          masked: false,
        });
      }
    }
    g.put({
      name: `${prefix} ${String(p).padStart(4, "0")}`,
      enrolledAt: "2026-01-01T00:00:00.000Z",
      templates,
    });
  }
  return g;
}

/**
 * A door without cameras: the real fleet applier and door on a real MQTT connection, each with its own gallery
 * file. Its reload does what the daemon's does with a gallery (read it through the gallery owner, build the
 * matcher). Used by the bridge test and by scripts/fleet-bench.ts to run many doors in one process.
 */
export interface LightDoor {
  prefix: string;
  galleryPath: string;
  publisher: MqttPublisher;
  door: FleetDoor;
  outcomes: ApplyOutcome[];
  stop(): Promise<void>;
}

export async function startLightDoor(options: {
  url: string;
  prefix: string;
  galleryPath: string;
  publicKey: KeyObject;
  embedder?: string;
  topic?: string;
  logger?: Logger;
}): Promise<LightDoor> {
  const embedder = options.embedder ?? "synthetic-embedder";
  const topic = options.topic ?? "facegate/fleet/gallery";
  const logger = options.logger ?? createLogger({ level: "silent" });
  const mqtt = parseSettings(
    { mqtt: { url: options.url, topic_prefix: options.prefix }, cameras: { door: { source: "/dev/null" } } },
    { env: {} },
  ).mqtt;
  const publisher = new MqttPublisher({ url: options.url, mqtt, topics: new Topics(options.prefix), logger });
  const outcomes: ApplyOutcome[] = [];
  const door = new FleetDoor({
    publisher,
    errors: new ErrorTopic(publisher),
    topic,
    applier: new FleetApplier({
      galleryPath: options.galleryPath,
      publicKey: options.publicKey,
      embedderId: embedder,
      topic,
    }),
    reload: async () => {
      const g = readGalleryFor(options.galleryPath, embedder);
      if (g) buildMatcher(g, null, { full: 0.4, upper: 0.6 });
      return true;
    },
    logger,
    onOutcome: (o) => outcomes.push(o),
  });
  await publisher.start();
  await door.start();
  return {
    prefix: options.prefix,
    galleryPath: options.galleryPath,
    publisher,
    door,
    outcomes,
    async stop() {
      await door.stop();
      await publisher.stop();
    },
  };
}
