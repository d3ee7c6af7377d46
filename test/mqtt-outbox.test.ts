import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { messages, Outbox, Topics } from "../src/mqtt/index.ts";
import { tempDir } from "./helpers/temp-dir.ts";

const topics = new Topics("facegate");
const event = (i: number) =>
  messages.event(topics, {
    type: "unknown",
    name: null,
    score: 0.1,
    masked: true,
    track_id: `t${i}`,
    camera: "door",
    box: [0, 0, 10, 10],
    first_seen: "2026-01-01T00:00:00.000Z",
    timestamp: "2026-01-01T00:00:00.000Z",
  });

describe("Outbox", () => {
  it("survives a restart through its file, written atomically", async () => {
    const dir = tempDir("facegate-outbox-");
    const path = join(dir, "outbox.json");
    const first = new Outbox(10, path);
    first.push(event(1));
    first.push(messages.snapshot(topics, "door", Buffer.from([0xff, 0xd8, 0x00])));
    await first.persist();
    assert.deepEqual(readdirSync(dir), ["outbox.json"], "no temp file left behind");

    const second = new Outbox(10, path);
    assert.deepEqual(second.load(), { loaded: 2 });
    const [a, b] = second.drain();
    assert.equal(JSON.parse(String(a.payload)).track_id, "t1");
    assert.deepEqual(b.payload, Buffer.from([0xff, 0xd8, 0x00]));
  });

  it("keeps only the newest retained state per topic", () => {
    const outbox = new Outbox(10);
    outbox.push(messages.cameraStatus(topics, "door", "online"));
    outbox.push(event(1));
    outbox.push(messages.cameraStatus(topics, "door", "stalled"));
    const drained = outbox.drain();
    assert.deepEqual(
      drained.map((m) => m.payload.toString().slice(0, 7)),
      ['{"type"', "stalled"],
    );
  });

  it("ignores a corrupt file and says so", () => {
    const dir = tempDir("facegate-outbox-");
    const path = join(dir, "outbox.json");
    writeFileSync(path, "{half a fi");
    const outbox = new Outbox(10, path);
    assert.match(outbox.load().error ?? "", /not in the expected format/);
    assert.equal(outbox.size, 0);
    assert.ok(existsSync(path));
  });
});
