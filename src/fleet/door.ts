import type { ErrorTopic } from "../mqtt/error-topic.ts";
import type { MqttPublisher } from "../mqtt/publisher.ts";
import { type FleetApplied, messages } from "../mqtt/topics.ts";
import type { Logger } from "../system/logger.ts";
import type { ApplyOutcome, FleetApplier } from "./applier.ts";

export interface FleetDoorOptions {
  publisher: MqttPublisher;
  /** `<prefix>/error`, shared with the daemon's other reporters. */
  errors: ErrorTopic;
  applier: FleetApplier;
  topic: string;
  /** Makes the running daemon use the gallery file just written; resolves false when that failed. */
  reload: (trigger: string) => Promise<boolean>;
  logger: Logger;
  /** Called after each envelope was handled (tests, the fleet benchmark). */
  onOutcome?: (outcome: ApplyOutcome) => void;
}

/**
 * Connects a FleetApplier to the door's MQTT connection: subscribes to the fleet topic (the broker sends the
 * retained envelope on every (re)connect, so a door that was offline catches up), applies envelopes one at a
 * time, reloads, and reports retained on `<prefix>/fleet/applied` or, when refused, on `<prefix>/error` with
 * `"source":"fleet"`. While one envelope is being handled only the newest arrival waits: a flood of messages
 * costs one envelope of memory, not one per message.
 */
export class FleetDoor {
  #unsubscribe: (() => void) | null = null;
  #pending: Buffer | null = null;
  #busy = false;
  #stopped = false;

  constructor(private readonly options: FleetDoorOptions) {}

  async start(): Promise<void> {
    const { publisher, applier, topic, logger } = this.options;
    const running = applier.current();
    if (running) this.#publishApplied(running);
    logger.info({ topic, version: running?.version ?? null }, "fleet door: waiting for signed galleries");
    this.#unsubscribe = publisher.subscribe(topic, (_topic, payload) => {
      this.#pending = payload;
      void this.#drain();
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#pending = null;
  }

  async #drain(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#pending && !this.#stopped) {
        const payload = this.#pending;
        this.#pending = null;
        const outcome = this.options.applier.apply(payload);
        await this.#report(outcome);
        this.options.onOutcome?.(outcome);
      }
    } finally {
      this.#busy = false;
    }
  }

  async #report(outcome: ApplyOutcome): Promise<void> {
    const { logger, topic } = this.options;
    switch (outcome.kind) {
      case "applied": {
        const { version, people, sha256 } = outcome.applied;
        logger.info({ topic, version, people, sha256 }, "fleet gallery written; reloading");
        if (await this.options.reload("fleet")) {
          this.#publishApplied(outcome.applied);
          this.options.errors.clear("fleet");
          logger.info({ topic, version, people }, "fleet gallery applied");
        } else
          this.#publishError(
            `version ${version} was written to the gallery file but the reload failed (see source reload)`,
          );
        return;
      }
      case "current":
        // Delivered again (reconnect, restart): say again what runs, in case the retained report was lost.
        this.#publishApplied(outcome.applied);
        logger.debug({ topic, version: outcome.applied.version }, "fleet envelope already applied");
        return;
      case "cleared":
        logger.warn(
          { topic },
          "the fleet topic's retained envelope was deleted on the broker; keeping the gallery in use",
        );
        return;
      case "refused":
        logger.error(
          { topic, reason: outcome.code, error: outcome.message },
          "fleet envelope refused; gallery unchanged",
        );
        this.#publishError(outcome.message);
        return;
    }
  }

  #publishApplied(applied: FleetApplied): void {
    const { publisher } = this.options;
    publisher.publish(messages.fleetApplied(publisher.topics, applied));
  }

  #publishError(message: string): void {
    this.options.errors.report("fleet", message);
  }
}
