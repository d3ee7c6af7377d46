import { z } from "zod";
import { BROKER_URL, DEFAULT_FLEET_TOPIC, exactTopicProblem } from "./mqtt-rules.ts";

/**
 * The settings schema. YAML keys are snake_case and the parsed `Settings` keeps them as they are,
 * so a key in an error message, in the README and in code is spelled the same way everywhere.
 * Every section is strict: a misspelt key is an error, not a silently ignored default.
 */

/** Shown after "got" when a value has the wrong type: short, and never a secret's full text. */
function describeInput(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "a mapping";
  if (typeof input === "string")
    return `the text "${input.length > 40 ? `${input.slice(0, 37)}...` : input}"`;
  return `${typeof input} ${String(input)}`;
}

/** A zod error callback: "required — <what>" when absent, "expected <what>, got <value>" otherwise. */
function expecting(what: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? `required — ${what}` : `expected ${what}, got ${describeInput(issue.input)}`;
}

/** A strict section whose unknown keys are reported together with the keys it does know. */
function section<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown key — this section knows: ${known}`
        : expecting("a mapping of keys")(issue),
  });
}

const text = (what: string) =>
  z.string({ error: expecting(what) }).min(1, { error: `expected ${what}, got ""` });
const positiveInt = (what: string) =>
  z
    .number({ error: expecting(what) })
    .int({ error: `expected ${what}` })
    .positive({ error: `expected ${what}` });
const fraction = (what: string) =>
  z
    .number({ error: expecting(what) })
    .min(0, { error: `expected ${what}` })
    .max(1, { error: `expected ${what}` });
const flag = (what: string) => z.boolean({ error: expecting(`true or false (${what})`) });

/** Camera names become MQTT topic levels and Home Assistant object ids, so they must be plain. */
export const CAMERA_NAME_PATTERN = /^[a-z0-9_-]+$/;
export const CAMERA_NAME_RULE =
  "camera names become MQTT topic levels: use only lower-case letters, digits, '_' and '-' (e.g. front_door)";

/** A reverse proxy's path prefix: empty, or segments of URL-safe characters ("/facegate", "/a/b"). */
export const BASE_PATH_PATTERN = /^(\/[A-Za-z0-9._~-]+)*\/?$/;

export const DETECTOR_KINDS = ["cascade", "blazeface", "rfb320", "yunet", "scrfd"] as const;
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
/** auto: lines a person reads on a terminal, JSON lines otherwise (systemd, Docker, a pipe). */
export const LOG_FORMATS = ["auto", "pretty", "json"] as const;

const detectorSchema = section({
  kind: z
    .enum(DETECTOR_KINDS, { error: expecting(`one of ${DETECTOR_KINDS.join(", ")}`) })
    .default("cascade"),
  model: text("a path to an .onnx model file").optional(),
  input_size: positiveInt("a positive whole number of pixels (square model input)").optional(),
  /** Omitted: each detector's own calibrated default (cascade 0.7, blazeface 0.5, rfb320 0.7, yunet 0.6, scrfd 0.5). */
  min_score: fraction("a detection score between 0 and 1").optional(),
});

export const KERAS_PREPROCESS = ["mobilenet", "scale01", "raw"] as const;

/**
 * A whole-face classifier imported from Keras (`facegate import-h5`) that names faces instead of the gallery:
 * the face crop (box widened by `crop_scale`, square, resized to `input_size`) goes through the model, and the
 * top softmax class is the name when it reaches `unknown_threshold`.
 */
const classifierSchema = section({
  kind: z.literal("keras", { error: expecting('"keras" (the only classifier kind)') }),
  model_dir: text("a folder with model.json + weights.bin made by facegate import-h5"),
  class_names: text("a class-names file (JSON array or one name per line)").optional(),
  input_size: positiveInt("a positive whole number of pixels (square model input)").default(224),
  preprocess: z
    .enum(KERAS_PREPROCESS, { error: expecting(`one of ${KERAS_PREPROCESS.join(", ")}`) })
    .default("scale01"),
  unknown_threshold: fraction("a softmax probability between 0 and 1").default(0.8),
  crop_scale: z
    .number({ error: expecting("how much wider than the detector's box the crop is, e.g. 1.4") })
    .min(1, { error: "expected crop_scale ≥ 1" })
    .max(4, { error: "expected crop_scale ≤ 4" })
    .default(1.4),
});

const recognitionSchema = section({
  threshold: fraction("a similarity threshold between 0 and 1 (omit to use the calibrated value)").optional(),
  masked_threshold: fraction("a similarity threshold between 0 and 1 for masked faces").optional(),
  max_attempts_per_track: positiveInt("a positive whole number of recognition attempts").default(10),
  max_attempts_per_visit: positiveInt("a positive whole number of recognition attempts").default(40),
  min_agreeing_frames: positiveInt("a positive whole number of frames").default(3),
  min_face_px: positiveInt("a positive whole number of pixels").default(40),
  classifier: classifierSchema.optional(),
});

const tlsSchema = section({
  ca: text("a path to a PEM CA certificate").optional(),
  cert: text("a path to a PEM client certificate").optional(),
  key: text("a path to a PEM client key").optional(),
  reject_unauthorized: flag("verify the broker's certificate").default(true),
});

const mqttSchema = section({
  url: z
    .string({ error: expecting("a broker URL such as mqtt://127.0.0.1:1883 or mqtts://broker:8883") })
    .regex(BROKER_URL, {
      error: "expected a broker URL such as mqtt://127.0.0.1:1883 or mqtts://broker:8883",
    })
    .optional(),
  embedded_host: text("a host name or IP address for the embedded broker to listen on").default("127.0.0.1"),
  embedded_port: positiveInt("a TCP port for the embedded broker")
    .max(65535, { error: "expected a TCP port (1-65535)" })
    .default(1883),
  username: text("a user name").optional(),
  // The value is never echoed back: a password typed as a YAML number would otherwise land in the log.
  password: z
    .string({
      error: "expected the password as text (quote it in YAML; better: password_file) — value not shown",
    })
    .optional(),
  password_file: text("a path to a file holding the broker password").optional(),
  client_id: text("an MQTT client id").optional(),
  topic_prefix: z
    .string({ error: expecting("a topic prefix such as facegate") })
    .regex(/^[^#+\s]+$/, { error: "expected a topic prefix without spaces, '#' or '+', e.g. facegate" })
    .refine((v) => !v.startsWith("/") && !v.endsWith("/"), {
      error: "expected a topic prefix that neither starts nor ends with '/'",
    })
    .default("facegate"),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)], { error: expecting("0, 1 or 2") }).default(1),
  tls: tlsSchema.optional(),
  outbox: section({
    max_messages: positiveInt("a positive whole number of queued messages").default(1000),
    path: text("a path to the on-disk outbox file").optional(),
  }).prefault({}),
  homeassistant: section({
    enabled: flag("publish Home Assistant discovery").default(true),
    discovery_prefix: text("the Home Assistant discovery prefix").default("homeassistant"),
  }).prefault({}),
});

/** An MQTT topic to subscribe to exactly: no wildcards, no empty levels at the ends. */
const exactTopic = (what: string) =>
  z.string({ error: expecting(what) }).superRefine((v, ctx) => {
    const problem = exactTopicProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: `expected ${what} ${problem}` });
  });

/**
 * A door of a fleet: its gallery comes from signed envelopes on `topic` (facegate fleet publish) and local
 * gallery changes are refused. See README "Many doors: fleet".
 */
const fleetSchema = section({
  public_key: text("a path to the fleet's public key (fleet.pub from facegate fleet keygen)"),
  topic: exactTopic("the fleet gallery topic, e.g. facegate/fleet/gallery").default(DEFAULT_FLEET_TOPIC),
});

const SOURCE = "a /dev/video device, rtsp:// or http:// URL, video file or image folder";

const cameraSchema = section({
  source: text(SOURCE),
  width: positiveInt("a positive whole number of pixels").optional(),
  height: positiveInt("a positive whole number of pixels").optional(),
  fps: z
    .number({ error: expecting("frames per second") })
    .positive({ error: "expected fps > 0" })
    .optional(),
  loop: flag("restart a video file or folder at its end").default(false),
  stall_timeout_s: z
    .number({ error: expecting("seconds without a frame before the camera is restarted") })
    .positive({ error: "expected seconds > 0" })
    .default(10),
  detect_every_n: positiveInt("a positive whole number: run the detector on every n-th frame").default(1),
  input_format: text("a capture input format such as mjpeg").optional(),
  still_command: text("a command that prints one JPEG to stdout").optional(),
});

const cameraName = z.string().regex(CAMERA_NAME_PATTERN, { error: CAMERA_NAME_RULE });

export const settingsSchema = section({
  gallery: text("a path to the gallery file").default("/var/lib/facegate/gallery"),
  models_dir: text("a folder holding the .onnx models").optional(),
  detector: detectorSchema.prefault({}),
  recognition: recognitionSchema.prefault({}),
  mqtt: mqttSchema.prefault({}),
  presence: section({
    away_after_s: z
      .number({ error: expecting("seconds without a sighting before a person is not_home") })
      .positive({ error: "expected seconds > 0" })
      .default(300),
  }).prefault({}),
  snapshots: section({
    enabled: flag("save and publish snapshots of identified faces").default(false),
    retention_days: z
      .number({ error: expecting("days to keep snapshots") })
      .positive({ error: "expected days > 0" })
      .default(7),
    dir: text("a folder for snapshots").optional(),
  }).prefault({}),
  /** The web page and its JSON API, served by `facegate run` (src/web). */
  web: section({
    enabled: flag("serve the web page and API").default(true),
    host: text("a host name or IP address to listen on").default("127.0.0.1"),
    port: z
      .number({ error: expecting("a TCP port (0 = any free port)") })
      .int({ error: "expected a TCP port (0-65535)" })
      .min(0, { error: "expected a TCP port (0-65535)" })
      .max(65535, { error: "expected a TCP port (0-65535)" })
      .default(8080),
    password_file: text("a path to a file holding the web password").optional(),
    base_path: z
      .string({ error: expecting("a URL path prefix such as /facegate (or empty)") })
      .regex(BASE_PATH_PATTERN, {
        error: "expected a URL path prefix such as /facegate: '/' then letters, digits, '.', '_', '~', '-'",
      })
      .transform((v) => v.replace(/\/+$/, ""))
      .default(""),
  }).prefault({}),
  /** The best face of every decided visit, kept for the page to teach from (never sent over MQTT). */
  captures: section({
    enabled: flag("keep the best face of every decided visit").default(true),
    dir: text("a folder for captures").optional(),
    max: positiveInt("a positive whole number of captures to keep").default(200),
    retention_days: z
      .number({ error: expecting("days to keep captures") })
      .positive({ error: "expected days > 0" })
      .default(7),
  }).prefault({}),
  /** Where `facegate-retrain` finds people's photos and keeps model versions (see `facegate train`). */
  training: section({
    people: text("a folder with one sub-folder of photos per person").optional(),
    store: text("a folder for trained model versions (the model store)").optional(),
    negatives: z.array(text("a folder of photos of people who must never be named")).default([]),
  }).prefault({}),
  cameras: z
    .record(cameraName, cameraSchema, {
      error: expecting(
        "a mapping of camera names to cameras, e.g. cameras: { door: { source: /dev/video0 } }",
      ),
    })
    .refine((cameras) => Object.keys(cameras).length > 0, {
      error: "required — at least one camera, e.g. cameras: { door: { source: /dev/video0 } }",
    }),
  fleet: fleetSchema.optional(),
  /** How often each camera's numbers go to `<prefix>/<camera>/stats`. */
  stats_interval_s: z
    .number({ error: expecting("seconds between two stats messages per camera") })
    .positive({ error: "expected seconds > 0" })
    .default(30),
  log: section({
    level: z.enum(LOG_LEVELS, { error: expecting(`one of ${LOG_LEVELS.join(", ")}`) }).default("info"),
    format: z.enum(LOG_FORMATS, { error: expecting(`one of ${LOG_FORMATS.join(", ")}`) }).default("auto"),
  }).prefault({}),
  /**
   * Demo mode (`npm start`): when the gallery file does not exist yet, the people in this folder (one sub-folder
   * of photos each) are enrolled into it on start. Point `gallery` at a file of its own: a demo gallery is never
   * mixed with real people.
   */
  demo: section({
    people: text("a folder with one sub-folder of photos per demo person"),
  }).optional(),
});

/** Settings exactly as validated, before secrets are resolved. */
export type ParsedSettings = z.output<typeof settingsSchema>;

export type CameraSettings = ParsedSettings["cameras"][string];
export type MqttSettings = ParsedSettings["mqtt"];
export type CaptureSettings = ParsedSettings["captures"];
export type DetectorKind = (typeof DETECTOR_KINDS)[number];
