import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "./logger.ts";

/**
 * systemd's notify protocol (READY=1, STATUS=, WATCHDOG=1, STOPPING=1) over `$NOTIFY_SOCKET`.
 *
 * Node has no AF_UNIX datagram sockets, and the protocol needs one. Options weighed:
 * - a native addon (`unix-dgram`, `sd-notify`): compiled by node-gyp at install; a Pi or Jetson
 *   without a compiler (or libsystemd-dev) could not install facegate any more.
 * - an FFI package (koffi): its install step fetches a prebuilt binary, which offline installs
 *   cannot do, and it is a big dependency for one `sendto`.
 * - `systemd-notify` per message: a process per message (~14 ms each, measured), and before
 *   systemd 246 it exits before systemd has looked up its unit from /proc/<pid>/cgroup, so messages
 *   are lost (systemd#2737; Ubuntu 20.04 / Jetson L4T r35 ship 245). Since 246 it waits on
 *   BARRIER=1, which makes it reliable.
 * - chosen: one long-lived `python3` helper (standard library only; on Raspberry Pi OS, Jetson L4T
 *   and Debian/Ubuntu by default) that lives in the service's cgroup as long as the daemon, so systemd
 *   always finds the unit. Measured: ~9 ms to start, ~14 MiB RSS, a few ms per message. Needs
 *   `NotifyAccess=all` (the sender is a child). `systemd-notify` is the fallback without python3.
 * Each message is acknowledged by the helper, so a failed send is logged instead of lost silently.
 * Without `$NOTIFY_SOCKET` (not under systemd, or Type≠notify) every call is a no-op.
 */

const HELPER = `
import json, socket, sys
address = sys.argv[1]
if address.startswith("@"):
    address = "\\0" + address[1:]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for line in sys.stdin:
    try:
        sock.sendto(json.loads(line).encode("utf-8"), address)
        reply = "ok"
    except Exception as error:
        reply = "error " + str(error).replace("\\n", " ")
    sys.stdout.write(reply + "\\n")
    sys.stdout.flush()
`;

export type NotifyTransport = "python3" | "systemd-notify" | "none";

export interface SdNotifyOptions {
  /** The socket; defaults to `$NOTIFY_SOCKET`. A leading '@' means an abstract socket. */
  socket?: string;
  logger?: Logger;
  /** Which helper to use; by default python3, else systemd-notify. For tests and odd systems. */
  transport?: Exclude<NotifyTransport, "none">;
  python?: string;
}

/** The watchdog petting interval: half of `WATCHDOG_USEC`, or null when no watchdog applies to us. */
export function watchdogIntervalMs(
  env: NodeJS.ProcessEnv = process.env,
  pid: number = process.pid,
): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  // WATCHDOG_PID names the process the watchdog is meant for; a child that inherited it must not pet.
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

export class SdNotify {
  private helper: ChildProcessWithoutNullStreams | null = null;
  private waiting: Array<(ok: boolean) => void> = [];
  private transportInUse: NotifyTransport = "none";

  constructor(private readonly options: SdNotifyOptions = {}) {}

  get socket(): string | undefined {
    return this.options.socket ?? process.env.NOTIFY_SOCKET;
  }

  /** Which way messages are sent; "none" before start() or without a socket. */
  get transport(): NotifyTransport {
    return this.transportInUse;
  }

  async start(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.transportInUse !== "none") return;
    const wanted = this.options.transport;
    if (wanted !== "systemd-notify" && (await this.startHelper(socket))) {
      this.transportInUse = "python3";
    } else {
      this.transportInUse = "systemd-notify";
    }
    this.options.logger?.debug({ transport: this.transportInUse }, "sd_notify ready");
  }

  ready(status?: string): Promise<boolean> {
    return this.notify(status ? { READY: "1", STATUS: status } : { READY: "1" });
  }

  status(text: string): Promise<boolean> {
    return this.notify({ STATUS: text });
  }

  watchdog(): Promise<boolean> {
    return this.notify({ WATCHDOG: "1" });
  }

  stopping(): Promise<boolean> {
    return this.notify({ STOPPING: "1" });
  }

  reloading(): Promise<boolean> {
    return this.notify({ RELOADING: "1" });
  }

  /** Sends one datagram of `KEY=value` lines. Resolves false when it could not be sent (and logs why). */
  async notify(fields: Record<string, string>): Promise<boolean> {
    if (this.transportInUse === "none") return false;
    const message = Object.entries(fields)
      .map(([key, value]) => `${key}=${value.replace(/\n/g, " ")}`)
      .join("\n");
    const ok =
      this.transportInUse === "python3"
        ? await this.sendViaHelper(message)
        : await this.sendViaSystemdNotify(fields);
    if (!ok)
      this.options.logger?.warn({ fields: Object.keys(fields) }, "sd_notify message could not be sent");
    return ok;
  }

  /** Ends the helper; bounded, so shutdown never hangs on it. */
  async stop(): Promise<void> {
    const helper = this.helper;
    this.helper = null;
    this.transportInUse = "none";
    if (!helper || helper.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => helper.once("exit", () => resolve()));
    helper.stdin.end();
    const timer = setTimeout(() => helper.kill("SIGKILL"), 1000);
    await exited;
    clearTimeout(timer);
  }

  private startHelper(socket: string): Promise<boolean> {
    return new Promise((resolve) => {
      const child = spawn(this.options.python ?? "python3", ["-u", "-c", HELPER, socket], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      child.once("error", () => resolve(false)); // ENOENT: no python3 here
      child.once("spawn", () => {
        this.helper = child;
        createInterface({ input: child.stdout }).on("line", (line) => {
          const done = this.waiting.shift();
          if (line !== "ok") this.options.logger?.warn({ reply: line }, "sd_notify helper reported an error");
          done?.(line === "ok");
        });
        child.stderr.on("data", (chunk: Buffer) =>
          this.options.logger?.warn({ stderr: chunk.toString().trim() }, "sd_notify helper"),
        );
        child.once("exit", () => {
          if (this.helper === child) this.helper = null;
          for (const done of this.waiting.splice(0)) done(false);
        });
        resolve(true);
      });
    });
  }

  private sendViaHelper(message: string): Promise<boolean> {
    const helper = this.helper;
    if (!helper || helper.exitCode !== null || !helper.stdin.writable) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      helper.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  private sendViaSystemdNotify(fields: Record<string, string>): Promise<boolean> {
    const args = Object.entries(fields).map(([key, value]) => `${key}=${value.replace(/\n/g, " ")}`);
    return new Promise((resolve) => {
      const child = spawn("systemd-notify", args, {
        stdio: "ignore",
        env: { ...process.env, NOTIFY_SOCKET: this.socket },
      });
      child.once("error", () => resolve(false));
      child.once("exit", (code) => resolve(code === 0));
    });
  }
}
