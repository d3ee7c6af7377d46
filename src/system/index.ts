export { type CameraHealth, HealthMonitor } from "./health.ts";
export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger.ts";
export { type NotifyTransport, SdNotify, type SdNotifyOptions, watchdogIntervalMs } from "./sd-notify.ts";
export { WatchdogPetter } from "./watchdog.ts";
