import type { ServerResponse } from "node:http";

/** Comment lines this often keep proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** A client this far behind (a stalled connection) is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * Server-Sent Events to every connected page. Unnamed events (`onmessage`) carry exactly the MQTT event payloads
 * (`identified`/`unknown`/`left`); named ones add what only the page needs (`capture`, `camera`, `reload`).
 */
export class EventStream {
  readonly #clients = new Set<ServerResponse>();
  #heartbeat: NodeJS.Timeout | null = null;

  get clients(): number {
    return this.#clients.size;
  }

  /** Takes over a response: SSE headers now, events until the client leaves (or `close()`). */
  add(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // nginx and similar proxies would otherwise hold events back.
      "x-accel-buffering": "no",
    });
    res.write("retry: 3000\n\n");
    this.#clients.add(res);
    res.on("close", () => this.#clients.delete(res));
    if (!this.#heartbeat) {
      this.#heartbeat = setInterval(() => this.#write(": ping\n\n"), HEARTBEAT_MS);
      this.#heartbeat.unref();
    }
  }

  /** `event` null: an unnamed event (the MQTT payloads). */
  send(event: string | null, data: unknown): void {
    if (this.#clients.size === 0) return;
    this.#write(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends every stream (shutdown). */
  close(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #write(text: string): void {
    for (const res of this.#clients) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.destroy();
        this.#clients.delete(res);
      } else res.write(text);
    }
  }
}
