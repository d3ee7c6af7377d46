import { forgetRetained } from "../../mqtt/forget-retained.ts";
import { type ForgetPaths, forgetOnDisk } from "../../recognition/forget.ts";
import { loadSettings } from "../../settings/load.ts";
import type { MqttSettings } from "../../settings/schema.ts";
import { readRetrainConfig } from "../../training/retrain-config.ts";
import { parseCommandArgs, UsageError } from "../args.ts";

export const forgetUsage = `facegate forget <name> --config <facegate.yaml> [--dry-run] [--no-mqtt]
facegate forget <name> --gallery <path> [--store <dir>] [--people <dir>] [--snapshots <dir>] [--captures <dir>]
  Erases a person everywhere facegate keeps them: the gallery and its .prev copy, model versions trained with
  them (the active model moves to the newest version without them; retrain afterwards), their photo folder
  under training.people, their snapshots, the captures that name them (the web page's faces), and the broker's retained presence, Home Assistant entity and
  last_identified messages. With --config every place comes from the settings (MQTT: same URL, credentials
  and TLS files as the daemon). --dry-run lists what would go. Exit code 1 when any step failed (run it again:
  every step is idempotent). Files you exported yourself (npz, copies of photos) are not touched.`;

export async function runForget(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    config: { type: "string" },
    gallery: { type: "string" },
    store: { type: "string" },
    people: { type: "string" },
    snapshots: { type: "string" },
    captures: { type: "string" },
    "dry-run": { type: "boolean" },
    "no-mqtt": { type: "boolean" },
  });
  if (positionals.length !== 1)
    throw new UsageError("give exactly one person's name (quote names with spaces)");
  const name = positionals[0].normalize("NFC");
  if (!values.config && !values.gallery) throw new UsageError("--config or --gallery is required");
  const dryRun = values["dry-run"] === true;

  const paths: ForgetPaths = {};
  let mqtt: MqttSettings | null = null;
  if (values.config) {
    const settings = loadSettings(values.config);
    const training = readRetrainConfig(values.config);
    Object.assign(paths, {
      gallery: settings.gallery,
      store: training.store,
      people: training.people,
      snapshots: settings.snapshots.dir,
      captures: settings.captures.dir,
    });
    mqtt = settings.mqtt;
  }
  // Explicit options win over the settings.
  for (const key of ["gallery", "store", "people", "snapshots", "captures"] as const) {
    if (values[key]) paths[key] = values[key];
  }

  const report = forgetOnDisk(name, paths, dryRun);
  const verb = (a: string) => (dryRun ? `would be ${a}` : a);
  for (const s of report.steps) {
    const line = `${s.what}: ${s.path} ${s.action === "failed" ? "FAILED" : verb(s.action)}`;
    if (s.action === "failed") console.error(`${line}: ${s.detail}`);
    else console.log(s.detail ? `${line} (${s.detail})` : line);
  }
  let failed = report.failed;

  if (mqtt && !values["no-mqtt"]) {
    failed = !(await clearBroker(name, mqtt, dryRun)) || failed;
  } else if (!mqtt) {
    console.log(
      "mqtt: not asked (no --config): retained presence and Home Assistant entity left as they are",
    );
  }
  if (!report.found) console.log(`nothing on disk named ${name}`);
  console.log(
    dryRun
      ? "dry run: nothing was changed"
      : `${name} forgotten${failed ? " except where FAILED above" : ""}. Copies you made yourself (npz exports, photos elsewhere, backups) are not touched.`,
  );
  return failed ? 1 : 0;
}

async function clearBroker(name: string, mqtt: MqttSettings, dryRun: boolean): Promise<boolean> {
  // Without mqtt.url the broker is facegate's embedded one: reachable only while the daemon runs, and its
  // retained messages live in memory, so when it is down there is nothing to clear.
  const embedded = !mqtt.url;
  const url =
    mqtt.url ??
    `mqtt://${mqtt.embedded_host.includes(":") ? `[${mqtt.embedded_host}]` : mqtt.embedded_host}:${mqtt.embedded_port}`;
  try {
    const { cleared } = await forgetRetained(name, url, mqtt, { dryRun });
    for (const topic of cleared) console.log(`mqtt: ${topic} ${dryRun ? "would be cleared" : "cleared"}`);
    if (cleared.length === 0) console.log("mqtt: no retained message about them on the broker");
    return true;
  } catch (err) {
    if (embedded) {
      console.log(
        "mqtt: the embedded broker is not running (facegate stopped): it holds no retained messages",
      );
      return true;
    }
    console.error(
      `mqtt: FAILED to clear retained messages (${(err as Error).message}); run forget again when the broker is reachable`,
    );
    return false;
  }
}
