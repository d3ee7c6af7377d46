import { once } from "node:events";
import { createServer, type Server } from "node:net";
import type { Aedes } from "aedes";
import type { Logger } from "../system/logger.ts";

/** The port is taken (by a broker or anything else): see broker.ts for what facegate does then. */
export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
}

/**
 * A broker inside facegate (aedes), for when `mqtt.url` is omitted: a Pi with no broker yet still
 * gets working MQTT on 127.0.0.1, and Node-RED or Home Assistant can connect to it. Retained messages
 * live in memory only, so they are gone after a restart — a real broker is better for production.
 */
export class EmbeddedBroker {
  private aedes: Aedes | null = null;
  private server: Server | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly logger?: Logger,
  ) {}

  /** The URL clients use; with port 0 the real port is known only after start(). */
  get url(): string {
    return `mqtt://${this.address}`;
  }

  /** host:port as clients reach it. */
  get address(): string {
    const address = this.server?.address();
    const port = address && typeof address === "object" ? address.port : this.port;
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `${host}:${port}`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    // Loaded here, not at import: a daemon that uses mqtt.url never pays for the broker (~5 MB).
    const { Aedes: AedesBroker } = await import("aedes");
    const aedes = await AedesBroker.createBroker();
    const server = createServer(aedes.handle);
    server.listen(this.port, this.host);
    try {
      await once(server, "listening");
    } catch (error) {
      aedes.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE")
        throw new PortInUseError(
          `embedded MQTT broker: ${this.address} is in use (another broker?) — set mqtt.url to use it`,
        );
      throw new Error(`embedded MQTT broker: cannot listen on ${this.address} (${code ?? error})`);
    }
    this.aedes = aedes;
    this.server = server;
    this.logger?.info({ url: this.url }, "embedded MQTT broker listening");
  }

  async stop(): Promise<void> {
    const { aedes, server } = this;
    this.aedes = null;
    this.server = null;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Close client connections first, or server.close() waits for them.
      if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await closed;
    }
  }
}
