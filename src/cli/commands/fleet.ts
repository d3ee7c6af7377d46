import { readFileSync } from "node:fs";
import { detachFromFleet } from "../../fleet/applier.ts";
import { generateFleetKeys } from "../../fleet/keys.ts";
import { publishGallery } from "../../fleet/publish.ts";
import type { ConnectionSettings } from "../../mqtt/connection.ts";
import { redactUrl } from "../../mqtt/publisher.ts";
import { PASSWORD_ENV } from "../../settings/load.ts";
import { BROKER_URL, DEFAULT_FLEET_TOPIC, exactTopicProblem } from "../../settings/mqtt-rules.ts";
import { parseCommandArgs, requireOption, UsageError } from "../args.ts";

export const fleetUsage = `facegate fleet keygen <dir> [--force]
  Makes the fleet's Ed25519 key pair: <dir>/fleet.key (private, 0600: keep it on the publisher only) and
  <dir>/fleet.pub (copy it to every door: settings fleet.public_key). Refuses to replace a key without --force.
facegate fleet publish --gallery <path> --key <dir>/fleet.key --mqtt-url <url> [--topic ${DEFAULT_FLEET_TOPIC}]
    [--username <user> --password-file <file>] [--tls-ca <pem>] [--tls-cert <pem> --tls-key <pem>] [--tls-insecure]
    [--vectors auto|f32|i8] [--json]
  Signs the gallery and publishes it as one retained MQTT message (QoS 1); every door with fleet: in its settings
  applies it. Exit 0 once the broker acknowledged it and holds it. The password may also come from
  ${PASSWORD_ENV}. --vectors auto (default) sends exact float32 vectors when they fit in 16 MiB, else int8.
facegate fleet detach --gallery <path>
  Makes a door's fleet gallery an ordinary local one again (after removing fleet: from its settings).`;

export async function runFleet(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  switch (action) {
    case "keygen":
      return keygen(rest);
    case "publish":
      return publish(rest);
    case "detach":
      return detach(rest);
    default:
      throw new UsageError(action ? `unknown fleet action "${action}"` : "give keygen, publish or detach");
  }
}

function keygen(argv: string[]): number {
  const { values, positionals } = parseCommandArgs(argv, { force: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError("fleet keygen needs exactly one folder");
  const keys = generateFleetKeys(positionals[0], values.force === true);
  console.log(`private key ${keys.privateKey} (0600: keep it on the publisher, never on a door)`);
  console.log(`public key  ${keys.publicKey} (${keys.fingerprint}): copy it to every door, fleet.public_key`);
  return 0;
}

async function publish(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    gallery: { type: "string" },
    key: { type: "string" },
    "mqtt-url": { type: "string" },
    topic: { type: "string" },
    username: { type: "string" },
    "password-file": { type: "string" },
    "tls-ca": { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "tls-insecure": { type: "boolean" },
    vectors: { type: "string" },
    json: { type: "boolean" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const url = requireOption(values["mqtt-url"], "--mqtt-url");
  if (!BROKER_URL.test(url))
    throw new UsageError(
      "--mqtt-url: expected a broker URL such as mqtt://broker:1883 or mqtts://broker:8883",
    );
  const vectors = values.vectors ?? "auto";
  if (vectors !== "auto" && vectors !== "f32" && vectors !== "i8")
    throw new UsageError("--vectors: expected auto, f32 or i8");
  const topic = values.topic ?? DEFAULT_FLEET_TOPIC;
  const topicProblem = exactTopicProblem(topic);
  if (topicProblem) throw new UsageError(`--topic: expected a plain topic ${topicProblem}`);
  if ((values["tls-cert"] === undefined) !== (values["tls-key"] === undefined))
    throw new UsageError("--tls-cert and --tls-key go together");

  const report = await publishGallery({
    galleryPath: requireOption(values.gallery, "--gallery"),
    keyPath: requireOption(values.key, "--key"),
    url,
    topic,
    connection: connectionOf(values),
    vectors,
  });
  for (const w of report.warnings) console.error(`warning: ${w}`);
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    const mb = (report.envelope_bytes / 1e6).toFixed(2);
    console.log(
      `published version ${report.version} to ${topic} on ${redactUrl(url)}: ${report.people} people, ${mb} MB envelope (${report.vectors} vectors), key ${report.key}` +
        (report.previous !== null ? `, replacing version ${report.previous}` : ""),
    );
    console.log(
      report.verified
        ? "the broker acknowledged and retains it"
        : "the broker acknowledged it (not read back)",
    );
  }
  return 0;
}

function connectionOf(values: Record<string, string | boolean | undefined>): ConnectionSettings {
  const str = (k: string) => values[k] as string | undefined;
  let password = process.env[PASSWORD_ENV];
  const file = str("password-file");
  if (file) {
    try {
      password = readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch (err) {
      throw new UsageError(`--password-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
  }
  const username = str("username");
  if (password !== undefined && username === undefined)
    throw new UsageError(`--username is required with a password (--password-file or ${PASSWORD_ENV})`);
  const tlsGiven = ["tls-ca", "tls-cert", "tls-key", "tls-insecure"].some((k) => values[k] !== undefined);
  return {
    username,
    password,
    tls: tlsGiven
      ? {
          ca: str("tls-ca"),
          cert: str("tls-cert"),
          key: str("tls-key"),
          reject_unauthorized: values["tls-insecure"] !== true,
        }
      : undefined,
  };
}

function detach(argv: string[]): number {
  const { values, positionals } = parseCommandArgs(argv, { gallery: { type: "string" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const path = requireOption(values.gallery, "--gallery");
  const was = detachFromFleet(path);
  console.log(
    was
      ? `gallery ${path} left the fleet (it ran version ${was.version} from ${was.topic}); it can be changed locally now. Remove fleet: from the door's settings and restart it: while fleet: is set, the door applies the topic's gallery again.`
      : `gallery ${path} is not managed by a fleet; nothing to do`,
  );
  return 0;
}
