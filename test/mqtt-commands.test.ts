import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { type Command, CommandListener, MqttPublisher, parseCommand, Topics } from "../src/mqtt/index.ts";
import {
  Collector,
  type Mosquitto,
  memoryLogger,
  mqttSettings,
  startMosquitto,
  until,
} from "./mqtt-support.ts";

describe("parseCommand", () => {
  it("accepts the known commands as JSON or a bare word", () => {
    assert.deepEqual(parseCommand(Buffer.from('{"command":"reload"}')), {
      ok: true,
      command: { command: "reload" },
    });
    assert.deepEqual(parseCommand(Buffer.from("status")), { ok: true, command: { command: "status" } });
  });

  it("rejects unknown commands, extra fields, bad JSON and oversized payloads", () => {
    for (const payload of [
      '{"command":"forget","name":"anna"}',
      '{"command":"reload","path":"/etc/shadow"}',
      "{not json",
      "rm -rf /",
      "x".repeat(2000),
    ]) {
      assert.equal(parseCommand(Buffer.from(payload)).ok, false, payload.slice(0, 30));
    }
  });
});

describe("command topic against a real mosquitto", () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    await broker.stop();
  });

  it("emits typed events for valid commands and logs and ignores the rest", async () => {
    // A retained command left on the broker earlier must not run when facegate (re)subscribes.
    const sender = await Collector.connect(broker.url, []);
    await sender.client.publishAsync("facegate/command", "reload", { qos: 1, retain: true });

    const { logger, lines } = memoryLogger();
    const publisher = new MqttPublisher({
      url: broker.url,
      mqtt: mqttSettings(),
      topics: new Topics("facegate"),
      logger,
    });
    const connected = once(publisher, "connected");
    await publisher.start();
    await connected;
    const commands = new CommandListener(publisher, logger);
    const received: Command[] = [];
    let reloads = 0;
    commands.on("command", (command) => received.push(command));
    commands.on("reload", () => {
      reloads += 1;
    });
    await commands.start();

    // A probe subscribed after the command topic: once it arrives, the broker has both subscriptions
    // (it handles one connection's packets in order).
    let probed = false;
    publisher.subscribe("probe/ready", () => {
      probed = true;
    });
    while (!probed) {
      await sender.client.publishAsync("probe/ready", "1", { qos: 1 });
      await until("probe", () => probed, 200).catch(() => undefined);
    }
    await sender.client.publishAsync("facegate/command", '{"command":"nuke"}', { qos: 1 });
    await sender.client.publishAsync("facegate/command", '{"command":"reload"}', { qos: 1 });
    await sender.client.publishAsync("facegate/command", "status", { qos: 1 });
    await until("two commands", () => received.length >= 2);
    assert.deepEqual(received, [{ command: "reload" }, { command: "status" }]);
    assert.equal(reloads, 1);
    assert.match(lines(), /ignored a command/);
    assert.match(lines(), /ignored a retained command/);
    assert.doesNotMatch(lines(), /nuke/, "untrusted payloads are not echoed into the log");

    await sender.client.publishAsync("facegate/command", "", { qos: 1, retain: true }); // clear retained
    await commands.stop();
    await publisher.stop();
    await sender.end();
  });
});
