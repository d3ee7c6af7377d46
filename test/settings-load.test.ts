import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadSettings, parseSettings, SettingsError } from "../src/settings/index.ts";
import { tempDir } from "./helpers/temp-dir.ts";

const dir = tempDir("facegate-settings-");
let counter = 0;
function yamlFile(text: string): string {
  const path = join(dir, `config-${counter++}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** The single message a bad config produces. */
function errorOf(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    assert.ok(error instanceof SettingsError, `expected SettingsError, got ${String(error)}`);
    return error.message;
  }
  assert.fail("expected a SettingsError");
}

describe("settings", () => {
  it("fills every default from a minimal config", () => {
    const settings = parseSettings({ cameras: { door: { source: "/dev/video0" } } }, { env: {} });
    assert.equal(settings.gallery, "/var/lib/facegate/gallery");
    assert.equal(settings.detector.kind, "cascade");
    assert.equal(settings.detector.min_score, undefined);
    assert.equal(settings.recognition.max_attempts_per_track, 10);
    assert.equal(settings.recognition.min_agreeing_frames, 3);
    assert.equal(settings.recognition.min_face_px, 40);
    assert.equal(settings.recognition.threshold, undefined);
    assert.equal(settings.mqtt.url, undefined);
    assert.equal(settings.mqtt.embedded_port, 1883);
    assert.equal(settings.mqtt.topic_prefix, "facegate");
    assert.equal(settings.mqtt.qos, 1);
    assert.equal(settings.mqtt.outbox.max_messages, 1000);
    assert.equal(settings.mqtt.outbox.path, undefined);
    assert.deepEqual(settings.mqtt.homeassistant, { enabled: true, discovery_prefix: "homeassistant" });
    assert.equal(settings.presence.away_after_s, 300);
    assert.equal(settings.snapshots.enabled, false);
    assert.equal(settings.snapshots.retention_days, 7);
    const { source, loop, stall_timeout_s, detect_every_n } = settings.cameras.door;
    assert.deepEqual(
      { source, loop, stall_timeout_s, detect_every_n },
      { source: "/dev/video0", loop: false, stall_timeout_s: 10, detect_every_n: 1 },
    );
    assert.equal(settings.log.level, "info");
  });

  it("names the missing camera source and what it should be", () => {
    const path = yamlFile("cameras:\n  door: {}\n");
    assert.equal(
      errorOf(() => loadSettings(path)),
      `${path}: cameras.door.source: required — a /dev/video device, rtsp:// or http:// URL, video file or image folder`,
    );
  });

  it("requires at least one camera", () => {
    assert.match(
      errorOf(() => parseSettings({})),
      /^cameras: required — a mapping of camera names/,
    );
    assert.match(
      errorOf(() => parseSettings({ cameras: {} })),
      /^cameras: required — at least one camera/,
    );
  });

  it("rejects an unknown key, listing the known ones", () => {
    const message = errorOf(() =>
      parseSettings({ detector: { kind: "yunet", minscore: 0.5 }, cameras: { d: { source: "x" } } }),
    );
    assert.equal(
      message,
      "detector.minscore: unknown key — this section knows: kind, model, input_size, min_score",
    );
  });

  it("rejects a wrong type and says what it got", () => {
    const path = yamlFile("mqtt:\n  qos: high\ncameras:\n  door:\n    source: /dev/video0\n    fps: fast\n");
    const message = errorOf(() => loadSettings(path));
    assert.equal(
      message,
      [
        `${path}: mqtt.qos: expected 0, 1 or 2, got the text "high"`,
        `${path}: cameras.door.fps: expected frames per second, got the text "fast"`,
      ].join("\n"),
    );
  });

  it("explains a camera name that is not topic-safe", () => {
    const message = errorOf(() => parseSettings({ cameras: { "Front Door": { source: "/dev/video0" } } }));
    assert.match(message, /^cameras\."Front Door": camera names become MQTT topic levels/);
  });

  it("reports YAML syntax errors with a line number", () => {
    const path = yamlFile("cameras:\n  door:\n    source: [unclosed\n");
    assert.match(
      errorOf(() => loadSettings(path)),
      /not valid YAML \(line \d+/,
    );
  });

  it("reports a missing file", () => {
    assert.match(
      errorOf(() => loadSettings(join(dir, "nope.yaml"))),
      /cannot read the settings file \(file not found\)/,
    );
  });

  it("reads the password from password_file, relative to the config file", () => {
    writeFileSync(join(dir, "mqtt-password"), "from-file\n");
    const path = yamlFile(
      "mqtt:\n  username: facegate\n  password_file: mqtt-password\ncameras:\n  door:\n    source: clips/door.mp4\n",
    );
    const settings = loadSettings(path, { env: { FACEGATE_MQTT_PASSWORD: "from-env" } });
    assert.equal(settings.mqtt.password, "from-file");
    assert.equal(settings.mqtt.password_file, join(dir, "mqtt-password"));
    assert.equal(
      settings.cameras.door.source,
      join(dir, "clips/door.mp4"),
      "relative camera files resolve too",
    );
  });

  it("reads the password from FACEGATE_MQTT_PASSWORD when the config has none", () => {
    const settings = parseSettings(
      { mqtt: { username: "facegate" }, cameras: { door: { source: "rtsp://cam/stream" } } },
      { env: { FACEGATE_MQTT_PASSWORD: "from-env" } },
    );
    assert.equal(settings.mqtt.password, "from-env");
    assert.equal(settings.cameras.door.source, "rtsp://cam/stream");
  });

  it("refuses password and password_file together, and an unreadable password_file", () => {
    const both = {
      mqtt: { username: "u", password: "p", password_file: "/x" },
      cameras: { d: { source: "x" } },
    };
    assert.match(
      errorOf(() => parseSettings(both, { env: {} })),
      /^mqtt\.password_file: give either/,
    );
    const missing = {
      mqtt: { username: "u", password_file: join(dir, "absent") },
      cameras: { d: { source: "x" } },
    };
    assert.match(
      errorOf(() => parseSettings(missing, { env: {} })),
      /^mqtt\.password_file: cannot read .*absent \(ENOENT\)/,
    );
    if (process.getuid?.() !== 0) {
      const locked = join(dir, "locked");
      writeFileSync(locked, "x");
      chmodSync(locked, 0o000);
      const unreadable = { mqtt: { username: "u", password_file: locked }, cameras: { d: { source: "x" } } };
      assert.match(
        errorOf(() => parseSettings(unreadable, { env: {} })),
        /EACCES/,
      );
    }
  });

  it("never puts a password into an error message", () => {
    const message = errorOf(() =>
      parseSettings({ mqtt: { password: 12345678 }, cameras: { d: { source: "x" } } }),
    );
    assert.match(message, /^mqtt\.password: expected the password as text/);
    assert.doesNotMatch(message, /12345678/);
  });

  it("loads the example config shipped in config/facegate.yaml", () => {
    const settings = loadSettings("config/facegate.yaml", { env: {} });
    assert.ok(Object.keys(settings.cameras).length > 0);
  });
});
