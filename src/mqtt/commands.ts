import { EventEmitter } from "node:events";
import { z } from "zod";
import type { Logger } from "../system/logger.ts";
import type { MqttPublisher } from "./publisher.ts";

/**
 * Commands arriving on `<prefix>/command`. Only a closed list is accepted, each with a validated
 * payload and nothing in it that names a file or a path: whoever can publish to the broker must not
 * be able to steer facegate at the file system.
 */
const commandSchema = z.discriminatedUnion("command", [
  z.strictObject({ command: z.literal("reload") }),
  z.strictObject({ command: z.literal("status") }),
]);

export type Command = z.infer<typeof commandSchema>;
export type CommandName = Command["command"];

const MAX_PAYLOAD_BYTES = 1024;

export type ParsedCommand = { ok: true; command: Command } | { ok: false; reason: string };

/** `{"command": "reload"}`, or the bare word `reload` (handy from a Home Assistant button or mosquitto_pub). */
export function parseCommand(payload: Buffer): ParsedCommand {
  if (payload.length > MAX_PAYLOAD_BYTES)
    return { ok: false, reason: `payload over ${MAX_PAYLOAD_BYTES} bytes` };
  const text = payload.toString("utf8").trim();
  let value: unknown;
  if (text.startsWith("{")) {
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, reason: "payload is not valid JSON" };
    }
  } else {
    value = { command: text };
  }
  const parsed = commandSchema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, reason: "unknown command or unexpected fields (known: reload, status)" };
  }
  return { ok: true, command: parsed.data };
}

interface CommandEvents {
  command: [Command];
  reload: [];
  status: [];
}

export class CommandListener extends EventEmitter<CommandEvents> {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly publisher: MqttPublisher,
    private readonly logger: Logger,
  ) {
    super();
  }

  async start(): Promise<void> {
    if (this.unsubscribe) return;
    const topic = this.publisher.topics.command();
    this.unsubscribe = this.publisher.subscribe(topic, (_topic, payload, retained) => {
      // A retained command would run again on every reconnect: never act on one.
      if (retained) {
        this.logger.warn({ topic }, "ignored a retained command; publish commands without the retain flag");
        return;
      }
      const parsed = parseCommand(payload);
      if (!parsed.ok) {
        // The payload itself is not logged: it is untrusted input of unknown size and content.
        this.logger.warn({ topic, reason: parsed.reason, bytes: payload.length }, "ignored a command");
        return;
      }
      this.logger.info({ command: parsed.command.command }, "command received");
      this.emit("command", parsed.command);
      this.emit(parsed.command.command);
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
