/**
 * MQTT over TLS with a client certificate and a password, against a real mosquitto that requires both, through
 * facegate's own settings parser and MqttPublisher. A throwaway CA, server and client certificate are made with
 * openssl for the test. Also proves that neither the password nor the key ever reaches the log, on the paths
 * where things go wrong (bad password, missing certificate, settings errors).
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connectAsync, type IClientOptions } from "mqtt";
import { MqttPublisher } from "../src/mqtt/publisher.ts";
import { Topics } from "../src/mqtt/topics.ts";
import { SettingsError } from "../src/settings/errors.ts";
import { parseSettings } from "../src/settings/load.ts";
import { Collector, freePort, memoryLogger, until } from "./mqtt-support.ts";

const PASSWORD = "s3cret-Pa55word-that-must-not-leak";
const WRONG_PASSWORD = "wrong-Pa55word-that-must-not-leak";

function have(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const skip = ["openssl", "mosquitto", "mosquitto_passwd"].every(have)
  ? false
  : "needs openssl, mosquitto and mosquitto_passwd (apt install openssl mosquitto)";

/** CA, server (for 127.0.0.1/localhost) and client certificates, all throwaway. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const key = (name: string) => ssl("genrsa", "-out", `${name}.key`, "2048");
  key("ca");
  ssl(
    "req",
    "-x509",
    "-new",
    "-key",
    "ca.key",
    "-sha256",
    "-days",
    "2",
    "-subj",
    "/CN=facegate test CA",
    "-out",
    "ca.crt",
  );
  for (const [name, cn, ext] of [
    ["server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"],
    ["client", "facegate", "extendedKeyUsage=clientAuth\n"],
  ] as const) {
    key(name);
    ssl("req", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-out", `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-sha256",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    );
  }
}

describe("MQTT over TLS with client certificates and a password", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "facegate-tls-"));
  let port = 0;
  let broker: ChildProcess;
  let brokerLog = "";
  const url = () => `mqtts://127.0.0.1:${port}`;
  const file = (name: string) => join(dir, name);

  before(async () => {
    makeCertificates(dir);
    execFileSync("mosquitto_passwd", ["-b", "-c", file("passwd"), "facegate", PASSWORD], { stdio: "pipe" });
    writeFileSync(file("password"), `${PASSWORD}\n`, { mode: 0o600 });
    port = await freePort();
    const conf = [
      `listener ${port} 127.0.0.1`,
      `cafile ${file("ca.crt")}`,
      `certfile ${file("server.crt")}`,
      `keyfile ${file("server.key")}`,
      "require_certificate true",
      "use_identity_as_username false",
      "allow_anonymous false",
      `password_file ${file("passwd")}`,
      ...(process.getuid?.() === 0 ? ["user root"] : []),
    ];
    writeFileSync(file("mosquitto.conf"), `${conf.join("\n")}\n`);
    broker = spawn("mosquitto", ["-c", file("mosquitto.conf")], { stdio: ["ignore", "ignore", "pipe"] });
    broker.stderr?.on("data", (d: Buffer) => {
      brokerLog += d.toString();
    });
    // Up when a correct client gets in; a bounded wait, not a timing assertion.
    await until(
      "mosquitto TLS listener",
      () => brokerLog.includes("listen socket on port") || broker.exitCode !== null,
      10_000,
    ).catch(() => {});
    assert.equal(broker.exitCode, null, `mosquitto exited: ${brokerLog}`);
  });

  after(async () => {
    if (broker.exitCode === null) {
      const exited = once(broker, "exit");
      broker.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Settings as a user writes them: password in a file, TLS files by path. */
  const settings = (over: Record<string, unknown> = {}) =>
    parseSettings(
      {
        mqtt: {
          url: url(),
          username: "facegate",
          password_file: file("password"),
          tls: { ca: file("ca.crt"), cert: file("client.crt"), key: file("client.key") },
          ...over,
        },
        cameras: { door: { source: "/dev/video0" } },
      },
      { env: {} },
    ).mqtt;

  const collectorOptions = (): IClientOptions => ({
    username: "facegate",
    password: PASSWORD,
    ca: readFileSync(file("ca.crt")),
    cert: readFileSync(file("client.crt")),
    key: readFileSync(file("client.key")),
  });

  function assertNoSecrets(text: string): void {
    assert.ok(!text.includes(PASSWORD), "the password is not logged");
    assert.ok(!text.includes(WRONG_PASSWORD), "a wrong password is not logged either");
    const key = readFileSync(file("client.key"), "utf8").split("\n")[1];
    assert.ok(!text.includes(key), "no line of the private key is logged");
    assert.ok(!text.includes("PRIVATE KEY"), "no PEM block is logged");
  }

  test("the publisher connects with CA, client certificate and password, and messages flow", async () => {
    const collector = await Collector.connect(url(), ["facegate/#"], collectorOptions());
    const { logger, lines } = memoryLogger("debug");
    const mqtt = settings();
    const publisher = new MqttPublisher({ url: url(), mqtt, topics: new Topics("facegate"), logger });
    await publisher.start();
    await until("publisher connected", () => publisher.connected);
    publisher.publishStatus("online");
    await collector.until("online status", () =>
      collector.on("facegate/status").some((m) => m.payload === "online"),
    );
    await publisher.stop();
    await collector.end();
    assertNoSecrets(lines());
  });

  test("a wrong password is refused, and the log names neither password", async () => {
    const { logger, lines } = memoryLogger("debug");
    const mqtt = settings({ password_file: undefined, password: WRONG_PASSWORD });
    const publisher = new MqttPublisher({
      url: url(),
      mqtt,
      topics: new Topics("facegate"),
      logger,
      reconnectPeriodMs: 200,
    });
    await publisher.start();
    await until("an MQTT error is logged", () => lines().includes("MQTT error"));
    assert.equal(publisher.connected, false);
    await publisher.stop();
    assertNoSecrets(lines());
  });

  test("without a client certificate the broker refuses the connection", async () => {
    const opts = collectorOptions();
    delete opts.cert;
    delete opts.key;
    await assert.rejects(connectAsync(url(), { ...opts, reconnectPeriod: 0, connectTimeout: 5000 }));
    const { logger, lines } = memoryLogger("debug");
    const mqtt = settings({ tls: { ca: file("ca.crt") } });
    const publisher = new MqttPublisher({
      url: url(),
      mqtt,
      topics: new Topics("facegate"),
      logger,
      reconnectPeriodMs: 200,
    });
    await publisher.start();
    await until("an MQTT error or close is logged", () => /MQTT error|unreachable/.test(lines()));
    assert.equal(publisher.connected, false);
    await publisher.stop();
    assertNoSecrets(lines());
  });

  test("a broker certificate from another CA is refused (no silent trust)", async () => {
    const { logger, lines } = memoryLogger("debug");
    // The client's own certificate is not a CA for the server's: verification must fail.
    const mqtt = settings({
      tls: { ca: file("client.crt"), cert: file("client.crt"), key: file("client.key") },
    });
    const publisher = new MqttPublisher({
      url: url(),
      mqtt,
      topics: new Topics("facegate"),
      logger,
      reconnectPeriodMs: 200,
    });
    await publisher.start();
    await until("a TLS error is logged", () => lines().includes("MQTT error"));
    assert.equal(publisher.connected, false);
    await publisher.stop();
    assertNoSecrets(lines());
  });

  test("credentials in the URL are redacted in the log", async () => {
    const { logger, lines } = memoryLogger("debug");
    const withCreds = `mqtts://facegate:${PASSWORD}@127.0.0.1:${port}`;
    const mqtt = settings();
    const publisher = new MqttPublisher({ url: withCreds, mqtt, topics: new Topics("facegate"), logger });
    await publisher.start();
    await until("publisher connected", () => publisher.connected);
    await publisher.stop();
    assert.match(lines(), /redacted/);
    assertNoSecrets(lines());
  });

  test("settings errors never echo a secret", () => {
    const bad: [string, Record<string, unknown>][] = [
      ["password typed as a number", { url: url(), username: "u", password: 123456789 }],
      ["password without user", { url: url(), password: PASSWORD }],
      [
        "password and password_file",
        { url: url(), username: "u", password: PASSWORD, password_file: file("password") },
      ],
      ["cert without key", { url: url(), tls: { cert: file("client.crt") } }],
    ];
    for (const [what, mqtt] of bad) {
      let message = "";
      try {
        parseSettings({ mqtt, cameras: { door: { source: "/dev/video0" } } }, { env: {} });
      } catch (err) {
        assert.ok(err instanceof SettingsError, what);
        message = err.message;
      }
      assert.ok(message.length > 0, `${what} is refused`);
      assert.ok(!message.includes(PASSWORD) && !message.includes("123456789"), `${what}: ${message}`);
    }
  });
});
