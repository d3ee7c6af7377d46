import type { Logger } from "./logger.ts";
import type { SdNotify } from "./sd-notify.ts";

/**
 * Pets the systemd watchdog (WATCHDOG=1) every interval, but only while `isHealthy()` says frames
 * really advance. A stalled pipeline stops the petting, and systemd restarts the service after
 * WatchdogSec — the reason to have a watchdog at all rather than a timer that always says "fine".
 */
export class WatchdogPetter {
  private timer: NodeJS.Timeout | null = null;
  private wasHealthy = true;

  constructor(
    private readonly notify: SdNotify,
    private readonly isHealthy: () => boolean,
    /** From `watchdogIntervalMs()`; null means no watchdog is configured and start() does nothing. */
    private readonly intervalMs: number | null,
    private readonly logger?: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.intervalMs === null || this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One check; public so the daemon (and tests) can pet right after start-up. */
  async tick(): Promise<boolean> {
    const healthy = this.isHealthy();
    if (healthy !== this.wasHealthy) {
      if (healthy) this.logger?.info("frames advance again; petting the watchdog");
      else this.logger?.error("frames stopped advancing; no longer petting the watchdog");
      this.wasHealthy = healthy;
    }
    return healthy ? this.notify.watchdog() : false;
  }
}
