import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { accessSync, constants, existsSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, dirname, join } from "node:path";
import { redact } from "../../capture/ffmpeg-args.ts";
import type { SourceSpec } from "../../capture/types.ts";
import { probeBroker } from "../../mqtt/broker.ts";
import { connectionOptions } from "../../mqtt/connection.ts";
import { sourceSpecFor } from "../../pipeline/camera-source.ts";
import { readGalleryFor } from "../../recognition/gallery-file.ts";
import type { Settings } from "../../settings/load.ts";
import type { CameraSettings } from "../../settings/schema.ts";
import { isImagePath } from "../../vision/image-files.ts";
import { type CheckResult, fail, ok, warn } from "./check.ts";
import { existingAncestor } from "./host-checks.ts";

/** How long ffprobe may take to open a network camera: a reachable one answers in 1–2 s. */
const PROBE_TIMEOUT_S = 6;

const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** ffprobe the first video stream: "h264 640x480", or the reason it failed. */
function ffprobe(
  input: string,
  extra: string[] = [],
): { ok: true; what: string } | { ok: false; why: string } {
  const r = spawnSync(
    "ffprobe",
    [
      ...["-v", "error", ...extra, "-select_streams", "v:0"],
      ...["-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", input],
    ],
    { encoding: "utf8", timeout: (PROBE_TIMEOUT_S + 2) * 1000 },
  );
  if (r.error) {
    const code = errCode(r.error);
    return { ok: false, why: code === "ENOENT" ? "ffprobe is not installed" : `ffprobe: ${code}` };
  }
  const line = r.stdout.trim().split("\n")[0] ?? "";
  if (r.status !== 0 || !line) {
    // ffprobe names the input in front of its reason; the check's line names it already.
    const why = (r.stderr.trim().split("\n").pop() || "no video stream").replace(`${input}: `, "");
    return { ok: false, why: redact(why) };
  }
  const [codec, w, h] = line.split(",");
  return { ok: true, what: `${codec} ${w}×${h}` };
}

function onPath(command: string): boolean {
  if (command.includes("/")) return canAccess(command, constants.X_OK);
  return (process.env.PATH ?? "")
    .split(delimiter)
    .some((dir) => dir && canAccess(join(dir, command), constants.X_OK));
}

function checkSource(name: string, spec: SourceSpec, key: string): CheckResult {
  const label = `camera ${name}`;
  switch (spec.kind) {
    case "v4l2": {
      if (!existsSync(spec.device))
        return fail(
          label,
          `${spec.device} does not exist`,
          `plug the camera in (ls /dev/video*), or fix ${key}`,
        );
      if (!canAccess(spec.device, constants.R_OK | constants.W_OK))
        return fail(
          label,
          `${spec.device}: permission denied`,
          "add the user to the group video (sudo usermod -aG video $USER, then log in again)",
        );
      return ok(label, `${spec.device} present and accessible`);
    }
    case "file": {
      if (!existsSync(spec.path)) return fail(label, `${spec.path} does not exist`, `fix ${key}`);
      if (!canAccess(spec.path, constants.R_OK))
        return fail(label, `${spec.path}: permission denied`, "make the file readable for the facegate user");
      const probe = ffprobe(spec.path);
      if (!probe.ok)
        return fail(label, `${spec.path}: ${probe.why}`, `point ${key} at a video ffmpeg can read`);
      return ok(label, `${spec.path} (${probe.what})`);
    }
    case "folder": {
      let images: string[];
      try {
        images = readdirSync(spec.path).filter(isImagePath);
      } catch (err) {
        return fail(label, `cannot read folder ${spec.path} (${errCode(err)})`, `fix ${key}`);
      }
      if (images.length === 0)
        return fail(label, `${spec.path} holds no images`, `put images there or fix ${key}`);
      return ok(label, `${spec.path} (${images.length} images)`);
    }
    case "rtsp":
    case "http": {
      const url = redact(spec.url);
      const extra =
        spec.kind === "rtsp"
          ? ["-rtsp_transport", spec.transport ?? "tcp", "-timeout", String(PROBE_TIMEOUT_S * 1e6)]
          : ["-rw_timeout", String(PROBE_TIMEOUT_S * 1e6)];
      const probe = ffprobe(spec.url, extra);
      if (!probe.ok)
        return fail(label, `${url}: ${probe.why}`, "check the camera is on, the address, user and password");
      return ok(label, `${url} (${probe.what})`);
    }
    case "still":
      if (!onPath(spec.command[0] ?? ""))
        return fail(label, `still_command ${spec.command[0]} not found`, "install it or fix still_command");
      return ok(label, `still_command ${spec.command[0]} present`);
  }
}

export function checkCameras(settings: Settings): CheckResult[] {
  return Object.entries(settings.cameras).map(([name, camera]: [string, CameraSettings]) =>
    checkSource(name, sourceSpecFor(camera), `cameras.${name}.source`),
  );
}

async function portFree(host: string, port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, host);
  try {
    await once(server, "listening");
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return true;
  } catch {
    return false;
  }
}

export async function checkBroker(settings: Settings): Promise<CheckResult> {
  const m = settings.mqtt;
  if (m.url) {
    const where = redact(m.url);
    const probe = await probeBroker(m.url, connectionOptions(m));
    if (probe.ok) return ok("broker", `${where} reachable`);
    return fail(
      "broker",
      `${where}: ${probe.reason}`,
      probe.mqtt
        ? "check mqtt.username and mqtt.password_file (or FACEGATE_MQTT_PASSWORD)"
        : "start the broker or fix mqtt.url (host, port, mqtts:// for TLS)",
    );
  }
  const where = `${m.embedded_host}:${m.embedded_port}`;
  if (await portFree(m.embedded_host, m.embedded_port)) return ok("broker", `embedded, ${where} is free`);
  const probe = await probeBroker(`mqtt://${where}`, connectionOptions(m));
  if (probe.ok) return ok("broker", `an MQTT broker already listens on ${where}: facegate will use it`);
  if (probe.mqtt)
    return fail(
      "broker",
      `the MQTT broker on ${where} refuses facegate (${probe.reason})`,
      "set mqtt.url and mqtt.username/password_file for it, or mqtt.embedded_port to a free port",
    );
  return fail(
    "broker",
    `${where} is in use by a program that is not an MQTT broker (${probe.reason})`,
    "stop that program, or set mqtt.embedded_port to a free port (or mqtt.url to your broker)",
  );
}

/** The gallery through the gallery owner's reader; `embedderId` null when the models are missing. */
export function checkGallery(settings: Settings, embedderId: string | null): CheckResult {
  const path = settings.gallery;
  if (!existsSync(path)) {
    if (settings.demo)
      return ok("gallery", `${path} not created yet: the demo people are enrolled on first start`);
    return warn(
      "gallery",
      `${path} does not exist yet: every face will be unknown`,
      `facegate enroll <photos folder> --gallery ${path}`,
    );
  }
  if (!embedderId) return warn("gallery", `${path} present; not checked without the models`);
  try {
    const gallery = readGalleryFor(path, embedderId);
    return ok("gallery", `${path}: ${gallery?.people.size ?? 0} people`);
  } catch (err) {
    return fail("gallery", (err as Error).message, "restore it from <gallery>.prev or enroll again");
  }
}

/** The folders facegate writes: the gallery's, the outbox file's, snapshots, the model store. */
export function checkWritable(settings: Settings): CheckResult[] {
  const folders = new Map<string, string>([["gallery folder", dirname(settings.gallery)]]);
  if (settings.mqtt.outbox.path) folders.set("outbox folder", dirname(settings.mqtt.outbox.path));
  if (settings.snapshots.dir) folders.set("snapshots folder", settings.snapshots.dir);
  if (settings.training.store) folders.set("model store", settings.training.store);
  return [...folders].map(([name, dir]) => {
    const existing = existingAncestor(dir);
    const isDir = existsSync(existing) && statSync(existing).isDirectory();
    if (isDir && canAccess(existing, constants.W_OK))
      return ok(name, existing === dir ? `${dir} writable` : `${dir} can be created in ${existing}`);
    return fail(
      name,
      `${existing} is not writable for this user`,
      `run as the user the daemon runs as (e.g. sudo -u facegate), or fix the permissions of ${existing}`,
    );
  });
}
