import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { SettingsError } from "./errors.ts";
import { describeIssues } from "./format-issues.ts";
import { type ParsedSettings, settingsSchema } from "./schema.ts";

/** `web` with its password resolved from `web.password_file` or `FACEGATE_WEB_PASSWORD` (absent: no password). */
export type WebSettings = ParsedSettings["web"] & { password?: string };

/**
 * Validated settings with secrets resolved: `mqtt.password` holds the password whether it came from
 * the YAML, from `mqtt.password_file` or from `FACEGATE_MQTT_PASSWORD`, `web.password` likewise; relative paths
 * are absolute, and `captures.dir` is always set (default: `captures/` beside the gallery).
 */
export type Settings = Omit<ParsedSettings, "web" | "captures"> & {
  web: WebSettings;
  captures: ParsedSettings["captures"] & { dir: string };
};

export const PASSWORD_ENV = "FACEGATE_MQTT_PASSWORD";
export const WEB_PASSWORD_ENV = "FACEGATE_WEB_PASSWORD";

/** Hosts only this machine can reach: the page may run without a password there. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export interface ParseOptions {
  /** Relative paths in the settings are resolved against this folder (the config file's). */
  baseDir?: string;
  /** Where the settings came from, put in front of every error message. */
  origin?: string;
  /** Environment to read `FACEGATE_MQTT_PASSWORD` from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Reads, parses and validates a YAML settings file. Throws `SettingsError` with a readable message. */
export function loadSettings(path: string, options: Omit<ParseOptions, "baseDir" | "origin"> = {}): Settings {
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : String(error);
    throw new SettingsError(`${path}: cannot read the settings file (${why})`);
  }
  const document = parseDocument(source, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0];
    const where = first.linePos ? `line ${first.linePos[0].line}, column ${first.linePos[0].col}` : "";
    const why = first.message.split("\n")[0];
    throw new SettingsError(`${path}: not valid YAML${where ? ` (${where})` : ""}: ${why}`);
  }
  const raw: unknown = document.toJS() ?? {};
  return parseSettings(raw, { ...options, baseDir: dirname(resolve(path)), origin: path });
}

/** Validates an already parsed object (from YAML, JSON or a test) and resolves secrets and paths. */
export function parseSettings(raw: unknown, options: ParseOptions = {}): Settings {
  const prefix = options.origin ? `${options.origin}: ` : "";
  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    const problems = describeIssues(result.error.issues);
    throw new SettingsError(problems.map((p) => prefix + p).join("\n"), problems);
  }
  const parsed = result.data;
  // captures.dir is filled in below, once the gallery's path is absolute.
  const settings: Settings = { ...parsed, captures: { ...parsed.captures, dir: parsed.captures.dir ?? "" } };
  const fail = (problem: string): never => {
    throw new SettingsError(prefix + problem, [problem]);
  };
  const base = options.baseDir;
  const abs = (p: string | undefined): string | undefined =>
    p && base && !isAbsolute(p) ? resolve(base, p) : p;

  settings.gallery = abs(settings.gallery) ?? settings.gallery;
  settings.models_dir = abs(settings.models_dir);
  settings.detector.model = abs(settings.detector.model);
  settings.snapshots.dir = abs(settings.snapshots.dir);
  settings.captures.dir = abs(parsed.captures.dir) ?? join(dirname(settings.gallery), "captures");
  settings.web.password_file = abs(settings.web.password_file);
  settings.training.people = abs(settings.training.people);
  settings.training.store = abs(settings.training.store);
  const classifier = settings.recognition.classifier;
  if (classifier) {
    classifier.model_dir = abs(classifier.model_dir) ?? classifier.model_dir;
    classifier.class_names = abs(classifier.class_names);
  }
  settings.training.negatives = settings.training.negatives.map((n) => abs(n) ?? n);
  if (settings.demo) settings.demo.people = abs(settings.demo.people) ?? settings.demo.people;
  settings.mqtt.outbox.path = abs(settings.mqtt.outbox.path);
  if (settings.fleet) settings.fleet.public_key = abs(settings.fleet.public_key) ?? settings.fleet.public_key;
  settings.mqtt.password_file = abs(settings.mqtt.password_file);
  if (settings.mqtt.tls) {
    settings.mqtt.tls.ca = abs(settings.mqtt.tls.ca);
    settings.mqtt.tls.cert = abs(settings.mqtt.tls.cert);
    settings.mqtt.tls.key = abs(settings.mqtt.tls.key);
  }
  for (const camera of Object.values(settings.cameras)) {
    // Only files and folders are relative; devices are absolute and URLs carry a scheme.
    if (!camera.source.includes("://")) camera.source = abs(camera.source) ?? camera.source;
  }

  const mqtt = settings.mqtt;
  if (mqtt.password !== undefined && mqtt.password_file !== undefined) {
    fail("mqtt.password_file: give either mqtt.password or mqtt.password_file, not both");
  }
  if (mqtt.password_file !== undefined) {
    mqtt.password = readSecretFile(mqtt.password_file, "mqtt.password_file", fail);
  } else if (mqtt.password === undefined) {
    const fromEnv = (options.env ?? process.env)[PASSWORD_ENV];
    if (fromEnv) mqtt.password = fromEnv;
  }
  if (mqtt.password !== undefined && mqtt.username === undefined) {
    fail(
      "mqtt.username: required when a password is given (mqtt.password, password_file or FACEGATE_MQTT_PASSWORD)",
    );
  }
  if (mqtt.tls && (mqtt.tls.cert === undefined) !== (mqtt.tls.key === undefined)) {
    fail("mqtt.tls: cert and key go together — give both or neither");
  }
  // A fleet door recognises with the gallery file the fleet writes; a model store or a classifier would win
  // over it, and the door would silently ignore every publish.
  if (settings.fleet && settings.training.store)
    fail(
      "fleet: a fleet door names people from the fleet's gallery, so training.store cannot be used with it",
    );
  if (settings.fleet && settings.recognition.classifier)
    fail(
      "fleet: a fleet door names people from the fleet's gallery, so recognition.classifier cannot be used with it",
    );
  resolveWebPassword(settings.web, options.env ?? process.env, fail);
  return settings;
}

/** Reads the web password (file first, then the environment) and refuses a page open to the network without one. */
function resolveWebPassword(
  web: WebSettings,
  env: NodeJS.ProcessEnv,
  fail: (problem: string) => never,
): void {
  if (web.password_file !== undefined) {
    web.password = readSecretFile(web.password_file, "web.password_file", fail);
    if (web.password === "") fail(`web.password_file: ${web.password_file} is empty`);
  } else if (env[WEB_PASSWORD_ENV]) {
    web.password = env[WEB_PASSWORD_ENV];
  }
  if (web.enabled && web.password === undefined && !isLoopbackHost(web.host)) {
    fail(
      `web.host: ${web.host} can be reached from the network, so the page needs a password: set web.password_file ` +
        `or ${WEB_PASSWORD_ENV} (or listen on web.host: 127.0.0.1)`,
    );
  }
}

/** A password file's content without its final newline; a file that cannot be read is a settings error. */
function readSecretFile(path: string, key: string, fail: (problem: string) => never): string {
  try {
    return readFileSync(path, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return fail(`${key}: cannot read ${path} (${code})`);
  }
}
