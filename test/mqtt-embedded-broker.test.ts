import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { brokerUrl, chooseBroker, EmbeddedBroker, MqttPublisher, Topics } from "../src/mqtt/index.ts";
import { Collector, freePort, memoryLogger, mqttSettings } from "./mqtt-support.ts";

describe("embedded broker (aedes)", () => {
  it("is chosen when mqtt.url is omitted and carries facegate's messages", async () => {
    const port = await freePort();
    const settings = mqttSettings({ embedded_port: port });
    const { embedded } = chooseBroker(settings);
    assert.ok(embedded instanceof EmbeddedBroker);
    await embedded.start();
    const url = brokerUrl(settings, embedded);
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

  it("is not used when mqtt.url is set", () => {
    const settings = mqttSettings({ url: "mqtt://broker.lan:1883" });
    assert.equal(chooseBroker(settings).embedded, null);
    assert.equal(brokerUrl(settings, null), "mqtt://broker.lan:1883");
  });

  it("explains a port that is already taken", async () => {
    const first = new EmbeddedBroker("127.0.0.1", 0);
    await first.start();
    const port = Number(new URL(first.url).port);
    const second = new EmbeddedBroker("127.0.0.1", port);
    await assert.rejects(second.start(), /in use.*set mqtt\.url/);
    await first.stop();
  });
});
