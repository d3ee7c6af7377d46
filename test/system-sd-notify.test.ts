import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { HealthMonitor, SdNotify, WatchdogPetter, watchdogIntervalMs } from "../src/system/index.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { memoryLogger, until } from "./mqtt-support.ts";

/**
 * A real AF_UNIX datagram receiver, playing systemd's part: python3 binds the socket and prints every
 * datagram it gets as one JSON line. Like systemd it answers BARRIER=1 (sent by systemd-notify ≥ 246)
 * by closing the file descriptor that came with it.
 */
const RECEIVER = `
import json, os, socket, sys
address = sys.argv[1]
bind = "\\0" + address[1:] if address.startswith("@") else address
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(bind)
print(json.dumps("bound"), flush=True)
while True:
    data, fds, _flags, _addr = socket.recv_fds(sock, 4096, 4)
    for fd in fds:
        os.close(fd)
    if data.decode() != "BARRIER=1":
        print(json.dumps(data.decode()), flush=True)
`;

class Receiver {
  readonly datagrams: string[] = [];
  private child: ChildProcessWithoutNullStreams | null = null;
  private bound = false;

  constructor(readonly address: string) {}

  async start(): Promise<void> {
    const child = spawn("python3", ["-u", "-c", RECEIVER, this.address]);
    this.child = child;
    createInterface({ input: child.stdout }).on("line", (line) => {
      const text = JSON.parse(line) as string;
      if (text === "bound") this.bound = true;
      else this.datagrams.push(text);
    });
    await until("receiver bound", () => this.bound);
  }

  async stop(): Promise<void> {
    this.child?.kill();
  }
}

describe("SdNotify", () => {
  it("sends READY, STATUS, WATCHDOG and STOPPING to a path socket via the python3 helper", async () => {
    const socket = join(tempDir("facegate-notify-"), "notify.sock");
    const receiver = new Receiver(socket);
    await receiver.start();
    const notify = new SdNotify({ socket });
    await notify.start();
    assert.equal(notify.transport, "python3");
    assert.equal(await notify.ready("2 cameras"), true);
    assert.equal(await notify.status("line one\nline two"), true);
    assert.equal(await notify.watchdog(), true);
    assert.equal(await notify.stopping(), true);
    await until("4 datagrams", () => receiver.datagrams.length === 4);
    assert.deepEqual(receiver.datagrams, [
      "READY=1\nSTATUS=2 cameras",
      "STATUS=line one line two",
      "WATCHDOG=1",
      "STOPPING=1",
    ]);
    await notify.stop();
    await receiver.stop();
  });

  it("supports abstract sockets ('@name')", async () => {
    const address = `@facegate-test-${process.pid}-${Date.now()}`;
    const receiver = new Receiver(address);
    await receiver.start();
    const notify = new SdNotify({ socket: address });
    await notify.start();
    assert.equal(await notify.ready(), true);
    await until("datagram", () => receiver.datagrams.length === 1);
    assert.equal(receiver.datagrams[0], "READY=1");
    await notify.stop();
    await receiver.stop();
  });

  it("falls back to the systemd-notify binary when asked", async (t) => {
    const which = spawn("sh", ["-c", "command -v systemd-notify"]);
    const code = await new Promise<number | null>((resolve) => which.once("exit", resolve));
    if (code !== 0) {
      t.skip("systemd-notify is not installed here");
      return;
    }
    const socket = join(tempDir("facegate-notify-"), "notify.sock");
    const receiver = new Receiver(socket);
    await receiver.start();
    const notify = new SdNotify({ socket, transport: "systemd-notify" });
    await notify.start();
    assert.equal(notify.transport, "systemd-notify");
    assert.equal(await notify.status("via systemd-notify"), true);
    await until("datagram", () => receiver.datagrams.length === 1);
    assert.match(receiver.datagrams[0], /STATUS=via systemd-notify/);
    await notify.stop();
    await receiver.stop();
  });

  it("reports a socket nobody listens on, without throwing", async () => {
    const { logger, lines } = memoryLogger();
    const notify = new SdNotify({ socket: join(tmpdir(), `absent-${process.pid}.sock`), logger });
    await notify.start();
    assert.equal(await notify.ready(), false);
    assert.match(lines(), /could not be sent/);
    await notify.stop();
  });

  it("is a no-op without NOTIFY_SOCKET", async () => {
    const saved = process.env.NOTIFY_SOCKET;
    delete process.env.NOTIFY_SOCKET;
    const notify = new SdNotify();
    await notify.start();
    assert.equal(notify.transport, "none");
    assert.equal(await notify.ready(), false);
    await notify.stop();
    if (saved !== undefined) process.env.NOTIFY_SOCKET = saved;
  });
});

describe("watchdog", () => {
  it("derives the interval from WATCHDOG_USEC, only for our own pid", () => {
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000" }, 42), 15_000);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "42" }, 42), 15_000);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "7" }, 42), null);
    assert.equal(watchdogIntervalMs({}, 42), null);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "junk" }, 42), null);
  });

  it("pets only while frames advance", async () => {
    const socket = join(tempDir("facegate-notify-"), "notify.sock");
    const receiver = new Receiver(socket);
    await receiver.start();
    const notify = new SdNotify({ socket });
    await notify.start();
    let now = 1_000_000;
    const health = new HealthMonitor(() => now);
    health.addCamera("door", 10);
    const petter = new WatchdogPetter(notify, () => health.isHealthy(), 15_000);

    assert.equal(await petter.tick(), false, "no frame yet");
    health.recordFrame("door");
    assert.equal(await petter.tick(), true);
    now += 11_000; // the camera stalls past its stall_timeout_s
    assert.equal(await petter.tick(), false);
    health.recordFrame("door");
    assert.equal(await petter.tick(), true);
    await until("2 pets", () => receiver.datagrams.length === 2);
    assert.deepEqual(receiver.datagrams, ["WATCHDOG=1", "WATCHDOG=1"]);
    await notify.stop();
    await receiver.stop();
  });
});
