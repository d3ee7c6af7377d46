import type { MqttPublisher } from "./publisher.ts";
import { messages } from "./topics.ts";

/**
 * The retained `<prefix>/error` topic, shared by every part that reports there (gallery reloads, the fleet
 * door). Each clears only its own error: a good gallery reload must not hide a refused fleet envelope. Until
 * the first report or clear, what the topic holds is unknown (a previous run may have left anything), so the
 * first clear always publishes.
 */
export class ErrorTopic {
  /** undefined: unknown; null: empty; else the source of the error now retained. */
  #current: string | null | undefined = undefined;

  constructor(private readonly publisher: MqttPublisher) {}

  report(source: string, message: string): void {
    const { publisher } = this;
    publisher.publish(
      messages.error(publisher.topics, { source, message, timestamp: new Date().toISOString() }),
    );
    this.#current = source;
  }

  clear(source: string): void {
    if (this.#current !== undefined && this.#current !== source) return;
    this.publisher.publish(messages.error(this.publisher.topics, ""));
    this.#current = null;
  }
}
