import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { z } from "zod";
import type { OutgoingMessage } from "./topics.ts";

/**
 * Messages waiting for the broker. Bounded: when full, the oldest is dropped and counted, because on
 * a Pi that is offline for a day the newest events matter and memory does not grow without end.
 * Retained messages are state, so a newer one for the same topic replaces the queued one.
 * Optionally mirrored to a file, written atomically (temp file + rename) so a power cut leaves either
 * the old or the new file, never half of one.
 */

const storedSchema = z.object({
  version: z.literal(1),
  messages: z.array(
    z.object({
      kind: z.string(),
      topic: z.string(),
      payload: z.string(),
      encoding: z.enum(["utf8", "base64"]),
      retain: z.boolean(),
    }),
  ),
});

export class Outbox {
  private queue: OutgoingMessage[] = [];
  private droppedCount = 0;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    private readonly maxMessages: number,
    private readonly path?: string,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  /** Messages dropped because the bound was hit, since start. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Reads a file left by an earlier run. An unreadable file is reported, not fatal. */
  load(): { loaded: number; error?: string } {
    if (!this.path) return { loaded: 0 };
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === "ENOENT" ? { loaded: 0 } : { loaded: 0, error: String(code ?? error) };
    }
    const parsed = storedSchema.safeParse(safeJson(text));
    if (!parsed.success) return { loaded: 0, error: "outbox file is not in the expected format; ignored" };
    for (const m of parsed.data.messages) {
      this.push({
        kind: m.kind as OutgoingMessage["kind"],
        topic: m.topic,
        payload: m.encoding === "base64" ? Buffer.from(m.payload, "base64") : m.payload,
        retain: m.retain,
        queue: true,
      });
    }
    return { loaded: parsed.data.messages.length };
  }

  push(message: OutgoingMessage): void {
    if (message.retain) {
      const earlier = this.queue.findIndex((m) => m.retain && m.topic === message.topic);
      if (earlier !== -1) this.queue.splice(earlier, 1);
    }
    this.queue.push(message);
    while (this.queue.length > this.maxMessages) {
      this.queue.shift();
      this.droppedCount += 1;
    }
    this.dirty = true;
  }

  /** Takes every queued message, oldest first, leaving the outbox empty. */
  drain(): OutgoingMessage[] {
    const all = this.queue;
    this.queue = [];
    if (all.length > 0) this.dirty = true;
    return all;
  }

  /** Writes the file if anything changed; writes are serialised so an older one never lands last. */
  persist(): Promise<void> {
    if (!this.path || !this.dirty) return this.writing;
    this.dirty = false;
    const path = this.path;
    const body = JSON.stringify({
      version: 1,
      messages: this.queue.map((m) => ({
        kind: m.kind,
        topic: m.topic,
        payload: typeof m.payload === "string" ? m.payload : m.payload.toString("base64"),
        encoding: typeof m.payload === "string" ? "utf8" : "base64",
        retain: m.retain,
      })),
    });
    // A failed write is reported by the caller of this persist(); the chain itself stays usable.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        const temp = `${path}.${process.pid}.tmp`;
        await writeFile(temp, body, { mode: 0o600 });
        await rename(temp, path);
      });
    return this.writing;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
