import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import {
  BrokerPortError,
  EmbeddedBroker,
  MqttPublisher,
  PortInUseError,
  startBroker,
  Topics,
} from "../src/mqtt/index.ts";
import { Collector, freePort, memoryLogger, mqttSettings } from "./mqtt-support.ts";

describe("embedded broker (aedes)", () => {
  it("is chosen when mqtt.url is omitted and carries facegate's messages", async () => {
    const port = await freePort();
    const settings = mqttSettings({ embedded_port: port });
    const { embedded, url, kind } = await startBroker(settings);
    assert.ok(embedded instanceof EmbeddedBroker);
    assert.equal(kind, "embedded");
    assert.equal(url, `mqtt://127.0.0.1:${port}`);

    const publisher = new MqttPublisher({
      url,
      mqtt: settings,
      topics: new Topics("facegate"),
      logger: memoryLogger().logger,
    });
    const connected = once(publisher, "connected");
    await publisher.start();
    await connected;
    const watcher = await Collector.connect(url, ["facegate/status"]);
    await watcher.until("retained online", () =>
      watcher.on("facegate/status").some((m) => m.payload === "online"),
    );
    await watcher.end();
    await publisher.stop();
    await embedded.stop();
  });

  it("is not used when mqtt.url is set", async () => {
    const settings = mqttSettings({ url: "mqtt://broker.lan:1883" });
    assert.deepEqual(await startBroker(settings), {
      url: "mqtt://broker.lan:1883",
      kind: "configured",
      embedded: null,
    });
  });

  it("explains a port that is already taken", async () => {
    const first = new EmbeddedBroker("127.0.0.1", 0);
    await first.start();
    const port = Number(new URL(first.url).port);
    const second = new EmbeddedBroker("127.0.0.1", port);
    await assert.rejects(
      second.start(),
      (err) => err instanceof PortInUseError && /in use/.test(err.message),
    );
    await first.stop();
  });

  it("uses a broker that already holds the port, and says so", async () => {
    const first = new EmbeddedBroker("127.0.0.1", 0);
    await first.start();
    const port = Number(new URL(first.url).port);
    const { logger, lines } = memoryLogger("info");
    const choice = await startBroker(mqttSettings({ embedded_port: port }), logger);
    assert.equal(choice.kind, "existing");
    assert.equal(choice.embedded, null);
    assert.equal(choice.url, `mqtt://127.0.0.1:${port}`);
    assert.match(lines(), /an MQTT broker already listens on 127\.0\.0\.1:\d+: using it/);
    await first.stop();
  });

  it("refuses a port held by something that is not MQTT, with what to do", async () => {
    // A server that hangs up on every connection, as an HTTP server does on MQTT bytes.
    const server = createServer((socket) => socket.destroy());
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    await assert.rejects(
      startBroker(mqttSettings({ embedded_port: port })),
      (err) =>
        err instanceof BrokerPortError &&
        err.message.includes(`127.0.0.1:${port} is in use by a program that is not an MQTT broker`) &&
        err.message.includes("mqtt.embedded_port"),
    );
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
