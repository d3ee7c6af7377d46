/**
 * Log lines a person reads on a terminal: pino still builds every record (redaction, child context), and this
 * destination turns each JSON line into text. Face events read like a door log
 * (`12:02:11 front_door  Jane Doe (masked) 0.71`), warnings and errors stand out, other lines are the message
 * with its fields as key=value. JSON stays the format for machines (systemd, Docker, pipes): see logger.ts.
 */

export interface PrettyOptions {
  /** ANSI colours (a terminal that is not NO_COLOR). */
  color: boolean;
  /** Wall-clock time of a record's ISO timestamp; local HH:MM:SS by default. */
  clock?: (iso: string) => string;
}

type LogRecord = Record<string, unknown>;

/** The face event lines the MQTT bridge logs (`face ${event.type}`), one per decided visit and one when it ends. */
const FACE_MESSAGES = new Set(["face identified", "face unknown", "face left"]);
/** Fields every line has or that say nothing to a person (null fields are left out too). */
const HIDDEN = new Set(["time", "level", "msg", "name", "pid", "hostname"]);
const CAMERA_WIDTH = 10;

const ANSI = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, cyan: 36 } as const;
type Style = keyof typeof ANSI;

function paint(text: string, color: boolean, ...styles: Style[]): string {
  if (!color || styles.length === 0) return text;
  return `\x1b[${styles.map((s) => ANSI[s]).join(";")}m${text}\x1b[0m`;
}

export function localClock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "--:--:--";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `key=value`: plain text bare, text with spaces quoted, numbers rounded to what a person compares. */
function formatValue(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
  if (typeof value === "number")
    return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
  if (value && typeof value === "object" && "message" in value && typeof value.message === "string")
    return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

function fields(record: LogRecord): string {
  return Object.entries(record)
    .filter(([key, value]) => !HIDDEN.has(key) && value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${formatValue(value)}`)
    .join(" ");
}

function faceLine(record: LogRecord, time: string, color: boolean): string {
  const camera = String(record.camera ?? "");
  const person = typeof record.person === "string" ? record.person : null;
  const who = person ?? "unknown";
  const masked = record.masked === true ? " (masked)" : "";
  const head = `${time} ${camera.padEnd(CAMERA_WIDTH)}  `;
  if (record.msg === "face left") return paint(`${head}${who}${masked} left`, color, "dim");
  const score = typeof record.score === "number" ? ` ${record.score.toFixed(2)}` : "";
  const name = person ? paint(who, color, "bold", "green") : paint(who, color, "yellow");
  return `${head}${name}${masked}${score}`;
}

const LEVEL_TAGS: Record<string, { tag: string; styles: Style[] }> = {
  fatal: { tag: "FATAL", styles: ["bold", "red"] },
  error: { tag: "ERROR", styles: ["bold", "red"] },
  warn: { tag: "WARN ", styles: ["yellow"] },
  debug: { tag: "debug", styles: ["dim"] },
  trace: { tag: "trace", styles: ["dim"] },
};

/** One pino record (already parsed) → one line, without the newline. */
export function formatRecord(record: LogRecord, options: PrettyOptions): string {
  const { color } = options;
  const time = (options.clock ?? localClock)(String(record.time ?? ""));
  const msg = String(record.msg ?? "");
  if (FACE_MESSAGES.has(msg) && record.level === "info") return faceLine(record, time, color);
  const rest = fields(record);
  const level = LEVEL_TAGS[String(record.level)];
  const tail = rest ? `  ${paint(rest, color, "dim")}` : "";
  if (!level) return `${paint(time, color, "dim")} ${msg}${tail}`;
  return `${paint(time, color, "dim")} ${paint(level.tag, color, ...level.styles)} ${msg}${tail}`;
}

/** Where pretty lines go: a terminal (process.stdout) or, in tests, anything with write(). */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * A pino destination: gets one JSON record per write, writes one text line to the sink. A line that is not JSON
 * (cannot happen with pino, but a destination must never throw) is passed through unchanged.
 */
export class PrettyDestination {
  constructor(
    private readonly sink: TextSink,
    private readonly options: PrettyOptions,
  ) {}

  write(chunk: string): void {
    for (const line of chunk.split("\n")) {
      if (!line) continue;
      let record: LogRecord;
      try {
        record = JSON.parse(line) as LogRecord;
      } catch {
        this.sink.write(`${line}\n`);
        continue;
      }
      this.sink.write(`${formatRecord(record, this.options)}\n`);
    }
  }
}
