import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSettings } from "../src/settings/index.ts";
import { memoryLogger } from "./mqtt-support.ts";

describe("logger", () => {
  it("writes JSON lines with camera context and redacts passwords at any depth", () => {
    const { logger, lines } = memoryLogger("info");
    const settings = parseSettings(
      {
        mqtt: { username: "facegate", password: "hunter2-secret" },
        cameras: { door: { source: "/dev/video0" } },
      },
      { env: {} },
    );
    logger.info({ settings }, "settings loaded");
    logger.info({ mqtt: settings.mqtt }, "mqtt");
    logger.info({ password: "hunter2-secret" }, "flat");
    logger.child({ camera: "door" }).warn("stalled");
    const records = lines()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.equal(records.length, 4);
    assert.doesNotMatch(lines(), /hunter2/);
    assert.equal(records[0].settings.mqtt.password, "[redacted]");
    assert.equal(records[0].settings.mqtt.username, "facegate");
    assert.equal(records[1].mqtt.password, "[redacted]");
    assert.equal(records[3].camera, "door");
    assert.equal(records[3].level, "warn");
  });
});
