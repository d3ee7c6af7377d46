import { pino } from "pino";
import { PrettyDestination, type TextSink } from "./logger-pretty.ts";

export type Logger = pino.Logger;
export type LogLevel = pino.LevelWithSilent;
/** auto: pretty on a terminal, JSON otherwise; the settings' `log.format`. */
export type LogFormat = "auto" | "pretty" | "json";

/**
 * Every key that may hold a secret, at any depth a settings object can reach when logged whole.
 * pino's redaction works on fixed paths (fast-redact), so depth is spelled out rather than recursive.
 */
const SECRET_KEYS = ["password", "password_file_contents", "passphrase", "token", "authorization", "key_pem"];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

export interface LoggerOptions {
  level?: LogLevel;
  /** Default auto (json when a destination is given). */
  format?: LogFormat;
  /** Where JSON lines go; stdout (the journal under systemd) when omitted. Tests pass a stream. */
  destination?: pino.DestinationStream;
  /** Where pretty lines go (tests); stdout when omitted. */
  prettySink?: TextSink & { isTTY?: boolean };
  /** For NO_COLOR; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Whether a run prints lines for a person: `pretty`, or `auto` with stdout on a terminal. */
export function isPretty(
  format: LogFormat | undefined,
  output: { isTTY?: boolean } = process.stdout,
): boolean {
  return format === "pretty" || ((format ?? "auto") === "auto" && output.isTTY === true);
}

/**
 * JSON lines, one per event, so `journalctl -o cat | jq` works; on a terminal (log.format auto or pretty) the same
 * records as lines a person reads (logger-pretty.ts). Children carry context: `logger.child({ camera: "door" })`
 * tags every line of that camera's pipeline.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const config: pino.LoggerOptions = {
    level: options.level ?? "info",
    base: { name: "facegate" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const sink = options.prettySink ?? process.stdout;
  // A caller that hands over a JSON destination wants JSON unless it asks for something else.
  const format = options.format ?? (options.destination ? "json" : "auto");
  if (isPretty(format, sink)) {
    const env = options.env ?? process.env;
    const color = sink.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
    return pino(config, new PrettyDestination(sink, { color }));
  }
  return options.destination ? pino(config, options.destination) : pino(config);
}
