import { createPublicKey, type KeyObject } from "node:crypto";
import { connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import { type ConnectionSettings, clientOptionsFrom, readRetained } from "../mqtt/connection.ts";
import type { Gallery, VectorEncoding } from "../recognition/gallery.ts";
import { readGalleryFile, serializeGallery } from "../recognition/gallery-file.ts";
import { DEFAULT_FLEET_TOPIC } from "../settings/mqtt-rules.ts";
import { type Envelope, MAX_ENVELOPE_BYTES, openEnvelope, sealEnvelope } from "./envelope.ts";
import { keyFingerprint, readPrivateKey } from "./keys.ts";
import { nextVersion, readPublisherState, stateFileFor, writePublisherState } from "./version.ts";

export class FleetPublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FleetPublishError";
  }
}

export interface PublishOptions {
  galleryPath: string;
  keyPath: string;
  url: string;
  topic?: string;
  connection?: ConnectionSettings;
  /** "auto" (default): exact f32 vectors when the envelope fits, else i8 (a quarter of the size). */
  vectors?: "auto" | VectorEncoding;
  /** Cap on waiting for the topic's retained message when the broker does not echo the sync marker (ACL). */
  readBoundMs?: number;
  /** Cap on waiting for the broker's PUBACK. */
  ackBoundMs?: number;
  now?: () => number;
}

export interface PublishReport {
  topic: string;
  version: number;
  /** The version the topic held before (a valid envelope signed with this key), if any. */
  previous: number | null;
  people: number;
  vectors: VectorEncoding;
  envelope_bytes: number;
  gallery_bytes: number;
  sha256: string;
  key: string;
  /** Whether the retained message was read back and is this envelope. */
  verified: boolean;
  /** When the broker acknowledged the envelope (PUBACK), ISO time. */
  acked_at: string;
  warnings: string[];
}

interface Sealed {
  envelope: Envelope;
  text: string;
  vectors: VectorEncoding;
  galleryBytes: number;
}

/** The envelope for this gallery: f32 when it fits (or was asked for), else i8; never over the limit. */
export function sealGallery(
  gallery: Gallery,
  version: number,
  created: Date,
  privateKey: KeyObject,
  vectors: "auto" | VectorEncoding = "auto",
): Sealed {
  // The door sets its own management stamp: the publisher's (if its gallery came from a fleet) is dropped.
  const serialize = (encoding: VectorEncoding) =>
    Buffer.from(serializeGallery(gallery, { vectors: encoding, managed: null }), "utf8");
  const seal = (bytes: Buffer, encoding: VectorEncoding): Sealed => {
    const people = gallery.people.size;
    const { envelope, text } = sealEnvelope({ gallery: bytes, people, version, created }, privateKey);
    return { envelope, text, vectors: encoding, galleryBytes: bytes.length };
  };
  let sealed: Sealed;
  if (vectors === "auto") {
    const f32 = serialize("f32");
    // float32 in base64 hardly compresses (the envelope is ≈ 0.97 × the gallery): no need to gzip what cannot fit
    sealed = f32.length > 1.25 * MAX_ENVELOPE_BYTES ? seal(serialize("i8"), "i8") : seal(f32, "f32");
    if (sealed.vectors === "f32" && Buffer.byteLength(sealed.text) > MAX_ENVELOPE_BYTES)
      sealed = seal(serialize("i8"), "i8");
  } else sealed = seal(serialize(vectors), vectors);
  const size = Buffer.byteLength(sealed.text);
  if (size > MAX_ENVELOPE_BYTES)
    throw new FleetPublishError(
      `the envelope would be ${(size / 1e6).toFixed(1)} MB (${sealed.vectors} vectors), over the ${MAX_ENVELOPE_BYTES / 1024 / 1024} MiB limit` +
        (sealed.vectors === "f32" ? "; try --vectors i8" : "; the gallery is too large for one envelope"),
    );
  return sealed;
}

/**
 * `facegate fleet publish`: signs the gallery and publishes it retained (QoS 1) on the fleet topic, then reads
 * the retained message back. Resolves once the broker acknowledged it (PUBACK; over MQTT 5 a broker that
 * refuses it — size limit, ACL — says so in the PUBACK) and the read-back shows this envelope on the topic.
 */
export async function publishGallery(options: PublishOptions): Promise<PublishReport> {
  const topic = options.topic ?? DEFAULT_FLEET_TOPIC;
  const readBound = options.readBoundMs ?? 5000;
  const now = options.now ?? Date.now;
  const privateKey = readPrivateKey(options.keyPath);
  const publicKey = createPublicKey(privateKey);
  const gallery = readGalleryFile(options.galleryPath);
  if (!gallery) throw new FleetPublishError(`gallery ${options.galleryPath} does not exist`);
  const warnings: string[] = [];
  const statePath = stateFileFor(options.keyPath);
  const { state, problem } = readPublisherState(statePath);
  if (problem) warnings.push(problem);

  const client = await connect(options.url, options.connection ?? {});
  try {
    const before = await retainedEnvelope(client, topic, publicKey, readBound);
    warnings.push(...before.warnings);
    const previous = before.envelope?.version ?? null;
    const sealedAt = now();
    const version = nextVersion(previous, state?.last_version ?? null, sealedAt);
    const sealed = sealGallery(gallery, version, new Date(sealedAt), privateKey, options.vectors);
    await publishRetained(client, topic, sealed.text, options.ackBoundMs ?? 60_000);
    const ackedAt = new Date(now()).toISOString();
    writePublisherState(statePath, {
      last_version: version,
      last_sha256: sealed.envelope.sha256,
      topic,
      published_at: ackedAt,
    });

    const after = await retainedEnvelope(client, topic, publicKey, readBound);
    const held = after.envelope;
    let verified = false;
    if (held && held.version === version && held.sha256 === sealed.envelope.sha256) verified = true;
    else if (held && held.version >= version)
      throw new FleetPublishError(
        `the broker acknowledged version ${version}, but the topic now holds version ${held.version} (sha256 ${held.sha256.slice(0, 12)}…): another publisher published at the same time; doors run the newest — publish again if yours should win`,
      );
    else if (after.synced)
      throw new FleetPublishError(
        `the broker acknowledged version ${version} but does not retain it on ${topic}` +
          (held ? ` (it still holds version ${held.version})` : "") +
          ": check the broker's message_size_limit / max_packet_size and the ACL for this user",
      );
    else
      warnings.push(`could not read ${topic} back to confirm (no read access?); the broker acknowledged it`);
    return {
      topic,
      version,
      previous,
      people: gallery.people.size,
      vectors: sealed.vectors,
      envelope_bytes: Buffer.byteLength(sealed.text),
      gallery_bytes: sealed.galleryBytes,
      sha256: sealed.envelope.sha256,
      key: keyFingerprint(publicKey),
      verified,
      acked_at: ackedAt,
      warnings,
    };
  } finally {
    await endClient(client);
  }
}

/**
 * A clean goodbye when nothing is left in flight; otherwise (a publish the broker never completed) the socket is
 * closed at once: mqtt.js would wait for that publish forever.
 */
async function endClient(client: MqttClient): Promise<void> {
  const inFlight = Object.keys(client.outgoing).length > 0;
  await client.endAsync(inFlight).catch(() => {});
}

/**
 * MQTT 5 where the broker speaks it (a refused publish then says why in its PUBACK), 3.1.1 otherwise (the
 * read-back still catches a message the broker dropped).
 */
async function connect(url: string, connection: ConnectionSettings): Promise<MqttClient> {
  const base: IClientOptions = clientOptionsFrom(connection, "facegate_fleet");
  try {
    return await connectAsync(url, { ...base, protocolVersion: 5 });
  } catch (err) {
    const code = (err as { code?: number }).code;
    // 1 (3.1.1 "unacceptable protocol version") or 132 (5.0 "unsupported protocol version")
    if (code !== 1 && code !== 132) throw err;
    return await connectAsync(url, { ...base, protocolVersion: 4 });
  }
}

/** The envelope retained on the topic if it verifies with our key; anything else there is only reported. */
async function retainedEnvelope(
  client: MqttClient,
  topic: string,
  publicKey: KeyObject,
  boundMs: number,
): Promise<{ envelope: Envelope | null; synced: boolean; warnings: string[] }> {
  const { retained, synced } = await readRetained(client, [topic], topic, boundMs);
  await client.unsubscribeAsync(topic);
  const payload = retained.get(topic);
  const warnings: string[] = [];
  if (!synced && !payload) warnings.push(`no answer from ${topic} within ${boundMs} ms (no read access?)`);
  if (!payload) return { envelope: null, synced, warnings };
  try {
    return { envelope: openEnvelope(payload, publicKey), synced, warnings };
  } catch (err) {
    warnings.push(`the message retained on ${topic} is not ours and is replaced (${(err as Error).message})`);
    return { envelope: null, synced, warnings };
  }
}

/** Publishes retained, QoS 1, and waits for the PUBACK (bounded: a broker that drops us must not hang us). */
async function publishRetained(
  client: MqttClient,
  topic: string,
  text: string,
  boundMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onClose: () => void = () => {};
  let onError: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FleetPublishError(`no PUBACK from the broker within ${boundMs} ms`)),
      boundMs,
    );
    onClose = () =>
      reject(
        new FleetPublishError(
          "the broker closed the connection while publishing (message over its max_packet_size?)",
        ),
      );
    // mosquitto 2.0 answers a message over message_size_limit with PUBACK reason 149, which MQTT 5 does not allow
    // there: mqtt.js reports it as a client error and never completes the publish.
    onError = (err) =>
      reject(
        new FleetPublishError(
          `the broker refused the envelope (${err.message}): over its message_size_limit, or an ACL?`,
        ),
      );
    client.once("close", onClose);
    client.once("error", onError);
  });
  try {
    await Promise.race([client.publishAsync(topic, text, { qos: 1, retain: true }), failed]);
  } catch (err) {
    if (err instanceof FleetPublishError) throw err;
    throw new FleetPublishError(`the broker refused the envelope: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
    client.off("close", onClose);
    client.off("error", onError);
  }
}
