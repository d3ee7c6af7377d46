import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { formatCheck } from "../src/cli/doctor/check.ts";
import { checkArch, checkFfmpeg, checkNode } from "../src/cli/doctor/host-checks.ts";
import { ROOT } from "./daemon-support.ts";
import { freePort } from "./mqtt-support.ts";

const HAVE_MODELS = existsSync(join(ROOT, "models", "fr_feature.onnx"));

async function doctor(config: string, ...flags: string[]): Promise<{ code: number; out: string }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin", "facegate.js"), "doctor", "--config", config, ...flags],
    {
      env: { ...process.env, FACEGATE_FROM_SOURCE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const [code] = (await once(child, "exit")) as [number];
  return { code, out };
}

describe("facegate doctor: single checks", () => {
  it("refuses 32-bit ARM and old Node, with the fix", () => {
    const arm = checkArch("arm");
    assert.equal(arm.status, "fail");
    assert.match(arm.detail, /32-bit ARM is not supported/);
    assert.match(arm.fix ?? "", /64-bit OS/);
    assert.equal(checkArch("arm64").status, "ok");
    assert.equal(checkArch("x64").status, "ok");
    assert.equal(checkNode("18.19.0").status, "fail");
    assert.equal(checkNode("20.11.1").status, "ok");
    const ffmpeg = checkFfmpeg(null);
    assert.equal(ffmpeg.status, "fail");
    assert.match(ffmpeg.fix ?? "", /apt install ffmpeg/);
    assert.equal(checkFfmpeg("ffmpeg version 5.1.9-0+deb12u1 Copyright").detail, "5.1.9-0+deb12u1");
  });

  it("prints one line per check, the fix on the failure's line", () => {
    assert.equal(
      formatCheck({
        name: "camera door",
        status: "fail",
        detail: "/dev/video9 does not exist",
        fix: "plug it in",
      }),
      "FAIL  camera door        /dev/video9 does not exist — fix: plug it in",
    );
    assert.equal(formatCheck({ name: "node", status: "ok", detail: "v20" }), "ok    node               v20");
  });
});

describe("facegate doctor", { skip: HAVE_MODELS ? false : "models/ absent: run npm ci" }, () => {
  it("passes the demo setup (exit 0)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "facegate-doctor-"));
    const config = join(dir, "facegate.yaml");
    writeFileSync(
      config,
      stringify({
        gallery: join(dir, "demo", "gallery"),
        demo: { people: join(ROOT, "demo", "people") },
        mqtt: { embedded_port: await freePort() },
        cameras: { front_door: { source: join(ROOT, "demo", "door.mp4"), loop: true } },
      }),
    );
    const { code, out } = await doctor(config);
    assert.equal(code, 0, out);
    assert.match(out, /^ok {4}models {13}all present, sha256 verified/m);
    assert.match(out, /^ok {4}ffmpeg {13}\S+/m);
    assert.match(out, /^ok {4}camera front_door {2}.*door\.mp4 \(h264 640×480\)/m);
    assert.match(out, /^ok {4}broker {13}embedded, 127\.0\.0\.1:\d+ is free/m);
    assert.match(out, /^ok {4}gallery {12}.*not created yet: the demo people are enrolled on first start/m);
    assert.match(out, /^ok {4}free disk/m);
    assert.match(out, /all checks passed/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("names every problem with its fix and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "facegate-doctor-"));
    writeFileSync(join(dir, "not-a-video.mp4"), "this is text");
    writeFileSync(join(dir, "gallery"), '{"format":"facegate-gal');
    // A TCP server that is not MQTT on the embedded broker's port.
    const squatter = createServer((socket) => socket.destroy());
    squatter.listen(0, "127.0.0.1");
    await once(squatter, "listening");
    const address = squatter.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const config = join(dir, "facegate.yaml");
    writeFileSync(
      config,
      stringify({
        gallery: "gallery",
        mqtt: { embedded_port: port },
        cameras: {
          usb: { source: "/dev/video97" },
          clip: { source: "not-a-video.mp4" },
          garage: { source: `rtsp://user:secret@127.0.0.1:${await freePort()}/stream` },
        },
      }),
    );
    try {
      const { code, out } = await doctor(config);
      assert.equal(code, 1, out);
      assert.match(out, /^FAIL {2}camera usb {9}\/dev\/video97 does not exist — fix: plug the camera in/m);
      assert.match(
        out,
        /^FAIL {2}camera clip .*not-a-video\.mp4: .* — fix: point cameras\.clip\.source at a video/m,
      );
      assert.match(
        out,
        /^FAIL {2}camera garage .*rtsp:\/\/user:\*\*\*@127\.0\.0\.1:\d+\/stream: .* — fix: /m,
      );
      assert.match(out, /^FAIL {2}broker .*is in use by a program that is not an MQTT broker.* — fix: /m);
      assert.match(out, /^FAIL {2}gallery .* — fix: restore it from <gallery>\.prev/m);
      assert.doesNotMatch(out, /secret/);
      assert.match(out, /5 check\(s\) failed/);
      const json = JSON.parse((await doctor(config, "--json")).out);
      assert.equal(json.ok, false);
      for (const check of json.checks) if (check.status === "fail") assert.ok(check.fix, check.name);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says what is wrong with a settings file it cannot read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "facegate-doctor-"));
    const config = join(dir, "facegate.yaml");
    writeFileSync(config, "cameras: [\n");
    const { code, out } = await doctor(config);
    assert.equal(code, 1);
    assert.match(out, /^FAIL {2}config {13}.*not valid YAML.* — fix: fix the settings file/m);
    rmSync(dir, { recursive: true, force: true });
  });
});
