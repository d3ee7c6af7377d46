import { Daemon } from "../../daemon/daemon.ts";
import { loadSettings } from "../../settings/load.ts";
import { createLogger } from "../../system/logger.ts";
import { parseCommandArgs, requireOption } from "../args.ts";

export const runUsage = `facegate run --config <file.yaml>
  Runs the daemon: cameras → faces → MQTT events, until SIGTERM/SIGINT. SIGHUP reloads the gallery (or the model store's active version).`;

/** Stopping gives up after this long and exits anyway: systemd must never have to SIGKILL us. */
const STOP_BOUND_MS = 5000;

export async function runRun(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { config: { type: "string" } });
  const configPath = requireOption(values.config, "--config");
  const settings = loadSettings(configPath);
  const logger = createLogger({ level: settings.log.level });
  const daemon = new Daemon({ settings, configPath, logger });

  let stopRequested: (signal: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stopRequested = resolve;
  });
  const onStop = (signal: NodeJS.Signals) => stopRequested(signal);
  const onHup = () => void daemon.reload("SIGHUP");
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGHUP", onHup);

  let code = 0;
  try {
    await Promise.race([
      daemon.start(),
      stopped.then(() => {
        throw new Error("stopped while starting");
      }),
    ]);
    const signal = await stopped;
    logger.info({ signal }, "signal received");
  } catch (err) {
    if ((err as Error).message !== "stopped while starting") {
      logger.fatal({ err: (err as Error).message }, "facegate could not start");
      code = 1;
    }
  }
  const bound = setTimeout(() => {
    logger.error("shutdown took over 5 s; exiting anyway");
    process.exit(code || 1);
  }, STOP_BOUND_MS);
  await daemon.stop();
  clearTimeout(bound);
  process.off("SIGHUP", onHup);
  // Anything still holding the event loop (a socket in TIME_WAIT, a stray timer) must not keep us alive.
  setTimeout(() => process.exit(code), 500).unref();
  return code;
}
