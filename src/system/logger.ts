import { pino } from "pino";

export type Logger = pino.Logger;
export type LogLevel = pino.LevelWithSilent;

/**
 * Every key that may hold a secret, at any depth a settings object can reach when logged whole.
 * pino's redaction works on fixed paths (fast-redact), so depth is spelled out rather than recursive.
 */
const SECRET_KEYS = ["password", "password_file_contents", "passphrase", "token", "authorization", "key_pem"];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

export interface LoggerOptions {
  level?: LogLevel;
  /** Where JSON lines go; stdout (the journal under systemd) when omitted. Tests pass a stream. */
  destination?: pino.DestinationStream;
}

/**
 * JSON lines, one per event, so `journalctl -o cat | jq` works. Children carry context:
 * `logger.child({ camera: "door" })` tags every line of that camera's pipeline.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const config: pino.LoggerOptions = {
    level: options.level ?? "info",
    base: { name: "facegate" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
