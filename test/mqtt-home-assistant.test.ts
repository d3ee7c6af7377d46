import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { HomeAssistantDiscovery, MqttPublisher, PresenceTracker, Topics } from "../src/mqtt/index.ts";
import { Collector, type Mosquitto, memoryLogger, mqttSettings, startMosquitto } from "./mqtt-support.ts";

async function startPublisher(url: string, prefix: string) {
  const publisher = new MqttPublisher({
    url,
    mqtt: mqttSettings({ topic_prefix: prefix }),
    topics: new Topics(prefix),
    logger: memoryLogger().logger,
    reconnectPeriodMs: 100,
  });
  const connected = once(publisher, "connected");
  await publisher.start();
  await connected;
  return publisher;
}

const configOf = (c: Collector, topic: string) => c.on(topic).at(-1)?.payload;

describe("Home Assistant discovery", () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    await broker.stop();
  });

  it("publishes retained configs, removes people no longer enrolled, republishes when HA comes online", async () => {
    const publisher = await startPublisher(broker.url, "fg1");
    const discovery = new HomeAssistantDiscovery(publisher, { cameras: ["door"] });
    await discovery.start();
    discovery.syncPeople(["Anna Maria", "bob"]);

    const ha = await Collector.connect(broker.url, ["homeassistant/#"]);
    const anna = "homeassistant/device_tracker/fg1/person_anna_maria/config";
    const bob = "homeassistant/device_tracker/fg1/person_bob/config";
    await ha.until("retained configs", () => ha.on(anna).length > 0 && ha.on(bob).length > 0);
    assert.ok(ha.on(anna)[0].retain);
    const config = JSON.parse(ha.on(anna)[0].payload);
    assert.equal(config.state_topic, "fg1/people/anna_maria");
    assert.equal(config.value_template, "{{ value_json.state }}");
    assert.equal(config.availability_topic, "fg1/status");
    assert.equal(config.unique_id, "fg1_person_anna_maria");
    assert.equal(config.name, "Anna Maria");
    assert.ok(ha.on("homeassistant/sensor/fg1/door_last_identified/config").length > 0);
    assert.ok(ha.on("homeassistant/sensor/fg1/door_fps/config").length > 0);
    assert.ok(ha.on("homeassistant/button/fg1/reload/config").length > 0);

    // bob leaves the gallery: his config is deleted with an empty retained payload.
    discovery.syncPeople(["Anna Maria"]);
    await ha.until("bob removed", () => configOf(ha, bob) === "");

    // HA restarts: it announces online and expects discovery again.
    const before = ha.on(anna).length;
    await ha.client.publishAsync("homeassistant/status", "online");
    await ha.until("republished", () => ha.on(anna).length > before);
    assert.equal(ha.on(bob).filter((m) => m.payload !== "").length, 1, "bob is not republished");

    await discovery.stop();
    await publisher.stop();
    await ha.end();

    // Nothing of bob stays retained on the broker.
    const check = await Collector.connect(broker.url, ["homeassistant/+/fg1/+/config"]);
    await check.until("retained configs", () => check.on(anna).length > 0);
    assert.equal(check.on(bob).length, 0);
    await check.end();
  });

  it("removes configs left by an earlier run for people who were removed meanwhile", async () => {
    const first = await startPublisher(broker.url, "fg2");
    const earlier = new HomeAssistantDiscovery(first, { cameras: ["door"] });
    await earlier.start();
    earlier.syncPeople(["carol", "dave"]);
    const ha = await Collector.connect(broker.url, ["homeassistant/+/fg2/+/config"]);
    const carol = "homeassistant/device_tracker/fg2/person_carol/config";
    await ha.until("carol published", () => ha.on(carol).length > 0);
    await earlier.stop();
    await first.stop();

    const second = await startPublisher(broker.url, "fg2");
    const later = new HomeAssistantDiscovery(second, { cameras: ["door"] });
    await later.start();
    later.syncPeople(["dave"]);
    await ha.until("carol removed", () => configOf(ha, carol) === "");
    await later.stop();
    await second.stop();
    await ha.end();
  });
});

describe("presence", () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    await broker.stop();
  });

  it("is home when seen, not_home after away_after_s, and cleared when removed", async () => {
    const publisher = await startPublisher(broker.url, "fg3");
    const presence = new PresenceTracker(publisher, 0.3);
    presence.syncPeople(["anna", "bob"]);
    await presence.start();
    const watcher = await Collector.connect(broker.url, ["fg3/people/#"]);

    presence.seen("anna", "door");
    presence.seen("mallory", "door"); // not enrolled: ignored
    await watcher.until("anna home", () => watcher.on("fg3/people/anna").length > 0);
    const home = JSON.parse(watcher.on("fg3/people/anna")[0].payload);
    assert.equal(home.state, "home");
    assert.equal(home.camera, "door");
    assert.ok(!Number.isNaN(Date.parse(home.last_seen)));

    await watcher.until("anna not_home", () =>
      watcher.on("fg3/people/anna").some((m) => JSON.parse(m.payload).state === "not_home"),
    );
    const away = JSON.parse(watcher.on("fg3/people/anna").at(-1)?.payload ?? "{}");
    assert.deepEqual(away, { state: "not_home", name: "anna", camera: "door", last_seen: home.last_seen });
    // bob was never seen since start: he goes not_home too, with no last sighting.
    await watcher.until("bob not_home", () => watcher.on("fg3/people/bob").length > 0);
    assert.equal(JSON.parse(watcher.on("fg3/people/bob")[0].payload).last_seen, null);
    assert.equal(watcher.on("fg3/people/mallory").length, 0);

    presence.syncPeople(["bob"]);
    await watcher.until("anna cleared", () => watcher.on("fg3/people/anna").at(-1)?.payload === "");
    await presence.stop();
    await publisher.stop();
    await watcher.end();
  });
});
