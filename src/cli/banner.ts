import { isAbsolute, relative } from "node:path";
import type { BrokerKind } from "../mqtt/broker.ts";

/** What a person needs to know once the daemon runs, gathered by `facegate run`. */
export interface BannerFacts {
  configPath: string;
  gallery: string;
  people: readonly string[];
  /** Demo mode: the gallery holds the bundled demo people. */
  demo: boolean;
  cameras: { name: string; source: string }[];
  broker: { url: string; kind: BrokerKind };
  topicPrefix: string;
  /** The web page's address; null while facegate has no web page configured. */
  webUrl: string | null;
  /** Paths inside this folder are shown relative to it (the folder `npm start` runs in). */
  cwd: string;
}

const BROKER_KIND: Record<BrokerKind, string> = {
  embedded: "embedded broker",
  existing: "a broker that was already running there",
  configured: "mqtt.url",
};

function shown(path: string, cwd: string): string {
  if (path.includes("://")) return path.replace(/\/\/([^/@:]*):([^/@]*)@/, "//$1:***@");
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/** `mosquitto_sub` for the broker in use: host, port when not 1883, user when there is one. */
export function subscribeCommand(brokerUrl: string, prefix: string): string {
  let url: URL;
  try {
    url = new URL(brokerUrl);
  } catch {
    return `mosquitto_sub -t '${prefix}/#' -v`;
  }
  const tls = url.protocol === "mqtts:" || url.protocol === "ssl:";
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port && url.port !== (tls ? "8883" : "1883") ? ` -p ${url.port}` : "";
  const user = url.username ? ` -u ${decodeURIComponent(url.username)} -P …` : "";
  const cafile = tls ? " --cafile <ca.pem>" : "";
  return `mosquitto_sub -h ${host}${port}${user}${cafile} -t '${prefix}/#' -v`;
}

/** The start banner: where things are, how to watch, what to do next. Plain lines; colour only for the title. */
export function bannerLines(f: BannerFacts, color = false): string[] {
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const config = shown(f.configPath, f.cwd);
  const gallery = shown(f.gallery, f.cwd);
  const who =
    f.people.length === 0
      ? "nobody enrolled yet: every face is unknown"
      : `${f.demo ? "demo people: " : ""}${f.people.join(", ")}`;
  const lines = [
    "",
    bold("facegate is running"),
    `  config    ${config}`,
    `  gallery   ${gallery} (${who})`,
    ...f.cameras.map((c) => `  camera    ${c.name} ← ${shown(c.source, f.cwd)}`),
    `  MQTT      ${shown(f.broker.url, f.cwd)} (${BROKER_KIND[f.broker.kind]})`,
  ];
  if (f.webUrl) lines.push(`  web page  ${f.webUrl}`);
  lines.push(
    `  events    ${subscribeCommand(f.broker.url, f.topicPrefix)}   (Debian: mosquitto-clients)`,
    "",
    bold("next steps"),
    `  1. a real camera: in ${config} set cameras.${f.cameras[0]?.name ?? "<name>"}.source to /dev/video0 or rtsp://user:pass@camera/stream`,
    `  2. your people: photos in people/<Name>/, then \`npx facegate enroll people --gallery .facegate/gallery\`${f.demo ? ` and set gallery: ../.facegate/gallery in ${config} (remove demo:)` : ""}`,
    `  3. check the setup: \`npx facegate doctor --config ${config}\``,
    "",
  );
  return lines;
}
