import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HealthMonitor } from "../src/system/index.ts";

describe("HealthMonitor", () => {
  it("tracks last frame, fps and liveness per camera", () => {
    let now = 0;
    const health = new HealthMonitor(() => now);
    health.addCamera("door", 10);
    health.addCamera("garden", 5);
    assert.equal(health.isHealthy(), false, "no frames yet");
    for (let i = 0; i <= 10; i++) {
      now = i * 100;
      health.recordFrame("door");
      health.recordFrame("garden");
    }
    const door = health.camera("door");
    assert.equal(door?.frames, 11);
    assert.equal(door?.lastFrameAt, 1000);
    assert.ok(door && Math.abs(door.fps - 10) < 1e-9);
    assert.equal(health.isHealthy(), true);
    now = 1000 + 6000; // garden stalls (5 s), door does not (10 s)
    assert.equal(health.camera("garden")?.live, false);
    assert.equal(health.camera("door")?.live, true);
    assert.equal(health.isHealthy(), false);
    health.removeCamera("garden");
    assert.equal(health.isHealthy(), true);
    assert.equal(health.camera("door")?.fps, 0, "no frames in the recent window");
  });

  it("is not healthy with no cameras at all", () => {
    assert.equal(new HealthMonitor().isHealthy(), false);
  });
});
