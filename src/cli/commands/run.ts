import { Daemon } from "../../daemon/daemon.ts";
import { ensureDemoGallery } from "../../demo/demo-gallery.ts";
import { BrokerPortError } from "../../mqtt/broker.ts";
import { loadSettings, type Settings } from "../../settings/load.ts";
import { createLogger, isPretty } from "../../system/logger.ts";
import { parseCommandArgs, requireOption } from "../args.ts";
import { bannerLines } from "../banner.ts";

export const runUsage = `facegate run --config <file.yaml>
  Runs the daemon: cameras → faces → MQTT events, until SIGTERM/SIGINT. SIGHUP reloads the gallery (or the model store's active version).`;

/** Stopping gives up after this long and exits anyway: systemd must never have to SIGKILL us. */
const STOP_BOUND_MS = 5000;
/**
 * Exit code for a start that cannot succeed by retrying (the embedded broker's port is held by something that is
 * not MQTT): sysexits' EX_CONFIG, which deploy/facegate.service lists in RestartPreventExitStatus.
 */
export const EXIT_CONFIG = 78;

function printBanner(daemon: Daemon, settings: Settings, configPath: string): void {
  const broker = daemon.broker;
  if (!broker) return;
  const lines = bannerLines(
    {
      configPath,
      gallery: settings.gallery,
      people: daemon.people,
      demo: settings.demo !== undefined,
      cameras: Object.entries(settings.cameras).map(([name, c]) => ({ name, source: c.source })),
      broker,
      topicPrefix: settings.mqtt.topic_prefix,
      webUrl: daemon.webUrl,
      cwd: process.cwd(),
    },
    process.stdout.isTTY === true && !process.env.NO_COLOR,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
}

export async function runRun(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { config: { type: "string" } });
  const configPath = requireOption(values.config, "--config");
  const settings = loadSettings(configPath);
  const logger = createLogger({ level: settings.log.level, format: settings.log.format });
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
    const starting = async () => {
      await ensureDemoGallery(settings, logger);
      await daemon.start();
    };
    await Promise.race([
      starting(),
      stopped.then(() => {
        throw new Error("stopped while starting");
      }),
    ]);
    if (isPretty(settings.log.format)) printBanner(daemon, settings, configPath);
    const signal = await stopped;
    logger.info({ signal }, "signal received");
  } catch (err) {
    if ((err as Error).message !== "stopped while starting") {
      logger.fatal({ err: (err as Error).message }, "facegate could not start");
      code = err instanceof BrokerPortError ? EXIT_CONFIG : 1;
    }
  }
  const bound = setTimeout(() => {
    logger.error({ waiting_for: daemon.stoppingAt }, "shutdown took over 5 s; exiting anyway");
    process.exit(code || 1);
  }, STOP_BOUND_MS);
  await daemon.stop();
  clearTimeout(bound);
  process.off("SIGHUP", onHup);
  // Anything still holding the event loop (a socket in TIME_WAIT, a stray timer) must not keep us alive.
  setTimeout(() => process.exit(code), 500).unref();
  return code;
}
