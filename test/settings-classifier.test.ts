import assert from "node:assert/strict";
import { it } from "node:test";
import { parseSettings, SettingsError } from "../src/settings/index.ts";

const cameras = { door: { source: "/dev/video0" } };

it("recognition.classifier: defaults, paths resolved against the settings folder", () => {
  const s = parseSettings(
    {
      recognition: { classifier: { kind: "keras", model_dir: "keras", class_names: "keras/classes.txt" } },
      cameras,
    },
    { env: {}, baseDir: "/etc/facegate" },
  );
  assert.deepEqual(s.recognition.classifier, {
    kind: "keras",
    model_dir: "/etc/facegate/keras",
    class_names: "/etc/facegate/keras/classes.txt",
    input_size: 224,
    preprocess: "scale01",
    unknown_threshold: 0.8,
    crop_scale: 1.4,
  });
  assert.equal(parseSettings({ cameras }, { env: {} }).recognition.classifier, undefined);
});

it("recognition.classifier: a wrong preprocess or kind says what is allowed", () => {
  const problems = (classifier: Record<string, unknown>) => {
    try {
      parseSettings({ recognition: { classifier }, cameras }, { env: {} });
    } catch (err) {
      assert.ok(err instanceof SettingsError);
      return err.message;
    }
    return "";
  };
  assert.match(
    problems({ kind: "keras", model_dir: "m", preprocess: "imagenet" }),
    /mobilenet, scale01, raw/,
  );
  assert.match(problems({ kind: "onnx", model_dir: "m" }), /"keras"/);
  assert.match(problems({ kind: "keras", model_dir: "m", unknown_threshold: 2 }), /softmax probability/);
});
