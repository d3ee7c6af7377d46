/**
 * What a newcomer sees. On a terminal (a pseudo-terminal made by `script`): the start banner and event lines, no
 * JSON, Ctrl-C stops it. From a fresh clone with no ../shared beside it: `npm ci` (from the npm cache) prints no
 * warning of ours and `npm start` shows identified, unknown and masked identifications on the embedded broker.
 * The clone is of the committed HEAD: uncommitted changes are not in it.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { connectAsync, type MqttClient } from "mqtt";
import { parse, stringify } from "yaml";
import { ROOT } from "./daemon-support.ts";
import { freePort } from "./mqtt-support.ts";

const has = (tool: string, ...args: string[]) => spawnSync(tool, args, { stdio: "ignore" }).status === 0;
const HAVE_FFMPEG = has("ffmpeg", "-version");
const HAVE_MODELS = existsSync(join(ROOT, "models", "fr_feature.onnx"));
const HAVE_SCRIPT = has("script", "--version");
const IN_GIT = has("git", "-C", ROOT, "rev-parse", "HEAD");

/** The environment of a fresh shell: none of the test runner's npm or facegate variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_|FACEGATE_|NODE_OPTIONS$|NO_COLOR$)/i.test(k)),
  );
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what is removed here
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "").replaceAll("\r", "");

function collect(child: ChildProcess): { text: () => string } {
  let text = "";
  const keep = (chunk: Buffer) => {
    text += chunk.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { text: () => text };
}

async function until(what: string, check: () => boolean, boundMs: number, output: () => string) {
  const end = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > end)
      assert.fail(`${what} did not happen within ${boundMs / 1000} s; output:\n${output().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("npm start on a terminal", {
  skip: !HAVE_FFMPEG
    ? "ffmpeg missing"
    : !HAVE_MODELS
      ? "models/ absent: run npm ci"
      : !HAVE_SCRIPT
        ? "script (util-linux) missing"
        : false,
}, () => {
  it("prints the banner and event lines a person reads, creates the demo gallery, stops on Ctrl-C", async () => {
    const dir = mkdtempSync(join(tmpdir(), "facegate-tty-"));
    const port = await freePort();
    const webPort = await freePort();
    const config = join(dir, "facegate.yaml");
    const gallery = join(dir, "demo", "gallery");
    writeFileSync(
      config,
      stringify({
        gallery,
        demo: { people: join(ROOT, "demo", "people") },
        mqtt: { embedded_port: port },
        web: { port: webPort },
        cameras: { front_door: { source: join(ROOT, "demo", "door.mp4"), loop: true, fps: 10 } },
      }),
    );
    // `npm start` itself, as a person types it (a later --config wins over the script's). Ctrl-C reaches npm, the
    // shell npm runs the script with, and the daemon: the script must `exec` the daemon, or dash dies of the
    // SIGINT at once (exit 130) and the prompt comes back while the daemon is still stopping.
    // `exec` here too, for the same reason: script(1) runs the command with $SHELL, /bin/sh when unset.
    const command = `exec npm start -- --config '${config}'`;
    const child = spawn("script", ["-qefc", command, "/dev/null"], {
      cwd: ROOT,
      env: { ...cleanEnv(), FACEGATE_FROM_SOURCE: "1", TERM: "xterm", SHELL: "/bin/sh" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out = collect(child);
    const text = () => stripAnsi(out.text());
    try {
      await until(
        "a masked identification line",
        () => /Grace Hopper \(masked\) \d\.\d\d\n/.test(text()),
        90_000,
        text,
      );
      child.stdin?.write("\u0003"); // Ctrl-C, as a person stops it
      const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
      // the output's end first: a CI log keeps the start of a message only
      assert.equal(code, 0, `exit ${code ?? signal} after Ctrl-C; output's end:\n${text().slice(-3000)}`);
    } finally {
      child.kill("SIGKILL");
    }
    const lines = text().split("\n");
    assert.ok(existsSync(gallery), "demo gallery created on first start");
    assert.match(text(), /demo gallery created from .*demo\/people/);
    // The banner.
    assert.ok(lines.includes("facegate is running"), text());
    assert.ok(lines.includes(`  config    ${config}`), text());
    assert.ok(lines.includes(`  gallery   ${gallery} (demo people: Eileen Collins, Grace Hopper)`), text());
    assert.ok(lines.includes("  camera    front_door ← demo/door.mp4"), text());
    assert.ok(lines.includes(`  MQTT      mqtt://127.0.0.1:${port} (embedded broker)`), text());
    assert.ok(lines.includes(`  web page  http://127.0.0.1:${webPort}/`), text());
    assert.match(
      text(),
      new RegExp(`events {4}mosquitto_sub -h 127\\.0\\.0\\.1 -p ${port} -t 'facegate/#' -v`),
    );
    assert.match(text(), /next steps\n {2}1\. a real camera: .*\/dev\/video0 or rtsp:/);
    assert.match(text(), /3\. check the setup: `npx facegate doctor --config /);
    // Event lines: time, camera, who, (masked), score.
    assert.match(text(), /^\d\d:\d\d:\d\d front_door {2}Eileen Collins 0\.\d\d$/m);
    assert.match(text(), /^\d\d:\d\d:\d\d front_door {2}unknown( \(masked\))? 0\.\d\d$/m);
    assert.match(text(), /^\d\d:\d\d:\d\d front_door {2}Grace Hopper \(masked\) 0\.\d\d$/m);
    assert.match(text(), /^\d\d:\d\d:\d\d front_door {2}Eileen Collins left$/m);
    assert.match(text(), /^(\^C)?\d\d:\d\d:\d\d signal received {2}signal=SIGINT$/m);
    assert.equal(lines.filter((l) => l.startsWith("{")).length, 0, "no JSON on a terminal");
    rmSync(dir, { recursive: true, force: true });
  });
});

/** Connects as soon as the daemon's embedded broker listens (it starts a few seconds after `npm start`). */
async function connectWhenUp(url: string, boundMs: number, output: () => string): Promise<MqttClient> {
  const end = Date.now() + boundMs;
  for (;;) {
    try {
      return await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 2000 });
    } catch (err) {
      if (Date.now() > end)
        assert.fail(`no broker at ${url} within ${boundMs / 1000} s (${err}); output:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe("a busy broker port", { skip: HAVE_MODELS ? false : "models/ absent: run npm ci" }, () => {
  it("held by something that is not MQTT: a clear message and exit code 78, no crash", async () => {
    // An HTTP-ish server: answers MQTT's CONNECT with bytes that are not MQTT.
    const sockets = new Set<Socket>();
    const squatter = createServer((socket) => {
      sockets.add(socket);
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
    });
    squatter.listen(0, "127.0.0.1");
    await once(squatter, "listening");
    const address = squatter.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const dir = mkdtempSync(join(tmpdir(), "facegate-busy-"));
    const config = join(dir, "facegate.yaml");
    writeFileSync(
      config,
      stringify({
        gallery: join(dir, "gallery"),
        mqtt: { embedded_port: port },
        cameras: { front_door: { source: join(ROOT, "demo", "door.mp4") } },
        log: { format: "json" },
      }),
    );
    try {
      const child = spawn(process.execPath, [join(ROOT, "bin", "facegate.js"), "run", "--config", config], {
        env: { ...cleanEnv(), FACEGATE_FROM_SOURCE: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const out = collect(child);
      const [code] = (await once(child, "exit")) as [number];
      assert.equal(code, 78, out.text());
      const fatal = out
        .text()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l))
        .find((r) => r.level === "fatal");
      assert.equal(fatal?.msg, "facegate could not start");
      assert.match(
        fatal?.err,
        new RegExp(`127\\.0\\.0\\.1:${port} is in use by a program that is not an MQTT broker`),
      );
      assert.match(fatal?.err, /mqtt\.embedded_port/);
      assert.doesNotMatch(out.text(), /\n\s+at /, "no stack trace");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface SeenEvent {
  type: string;
  name: string | null;
  masked: boolean;
  at: number;
}

describe("a fresh clone: npm ci && npm start", {
  skip: !HAVE_FFMPEG ? "ffmpeg missing" : !IN_GIT ? "not a git checkout" : false,
}, () => {
  it("installs without our warnings and shows identified, unknown and masked events within 90 s, without ../shared", async (t) => {
    const work = mkdtempSync(join(tmpdir(), "facegate-first-run-"));
    const clone = join(work, "facegate");
    let child: ChildProcess | null = null;
    try {
      execFileSync("git", ["clone", "--quiet", ROOT, clone], { stdio: "ignore" });
      assert.equal(existsSync(join(work, "shared")), false, "no ../shared beside the clone");
      const install = spawnSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], {
        cwd: clone,
        env: cleanEnv(),
        encoding: "utf8",
        timeout: 300_000,
      });
      const installOutput = `${install.stdout}\n${install.stderr}`;
      assert.equal(install.status, 0, installOutput);
      assert.doesNotMatch(installOutput, /Unknown (project|user|env|builtin|global) config/);
      assert.doesNotMatch(installOutput, /install-scripts|allowScripts/);
      assert.ok(existsSync(join(clone, "models", "fr_feature.onnx")), "postinstall fetched the models");
      assert.ok(existsSync(join(clone, "dist", "cli", "index.js")), "prepare built dist/");

      // The shipped config, on free ports (other brokers may hold 1883 on a shared machine).
      const configPath = join(clone, "config", "facegate.yaml");
      const configText = readFileSync(configPath, "utf8");
      assert.doesNotMatch(configText, /shared/);
      const settings = parse(configText);
      const port = await freePort();
      settings.mqtt.embedded_port = port;
      let webUrl: string | null = null;
      if (settings.web) {
        settings.web.port = await freePort();
        webUrl = `http://${settings.web.host ?? "127.0.0.1"}:${settings.web.port}/`;
      }
      writeFileSync(configPath, stringify(settings));

      const started = Date.now();
      child = spawn("npm", ["start"], {
        cwd: clone,
        env: cleanEnv(),
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      const out = collect(child);
      const seen: SeenEvent[] = [];
      const subscriber = await connectWhenUp(`mqtt://127.0.0.1:${port}`, 90_000, out.text);
      await subscriber.subscribeAsync("facegate/+/event", { qos: 1 });
      subscriber.on("message", (_topic, payload) => {
        const e = JSON.parse(payload.toString()) as SeenEvent;
        seen.push({ type: e.type, name: e.name, masked: e.masked, at: Date.now() - started });
      });
      const first = (test: (e: SeenEvent) => boolean) => seen.find(test);
      const identified = (e: SeenEvent) => e.type === "identified" && !e.masked;
      const unknown = (e: SeenEvent) => e.type === "unknown";
      const masked = (e: SeenEvent) => e.type === "identified" && e.masked;
      await until(
        "identified, unknown and a masked identification",
        () => Boolean(first(identified) && first(unknown) && first(masked)),
        90_000,
        out.text,
      );
      t.diagnostic(
        `seconds from npm start: identified ${(first(identified)?.at ?? 0) / 1000}, unknown ${(first(unknown)?.at ?? 0) / 1000}, masked ${(first(masked)?.at ?? 0) / 1000}`,
      );
      assert.ok(["Eileen Collins", "Grace Hopper"].includes(first(identified)?.name ?? ""));
      assert.ok(["Eileen Collins", "Grace Hopper"].includes(first(masked)?.name ?? ""));
      assert.equal(first(unknown)?.name, null);
      if (webUrl) {
        const response = await fetch(webUrl);
        assert.equal(response.status, 200, `${webUrl} answers`);
      }
      await subscriber.endAsync();
      // Not a terminal: JSON lines (systemd, Docker), nothing about ../shared, no missing source.
      const logLines = out
        .text()
        .split("\n")
        .filter((l) => l.startsWith("{"));
      assert.ok(
        logLines.some((l) => JSON.parse(l).msg.startsWith("demo gallery created")),
        out.text(),
      );
      assert.doesNotMatch(out.text(), /shared\/|does not exist/);
    } finally {
      if (child?.pid && child.exitCode === null) {
        const exited = once(child, "exit");
        process.kill(-child.pid, "SIGTERM");
        await exited;
      }
      rmSync(work, { recursive: true, force: true });
    }
  });
});
