/**
 * Who may use the web API, and the long-lived responses, over real HTTP where it matters: the `web:` settings
 * (a page open to the network needs a password), HTTP Basic and the login form's session cookie, wrong passwords
 * and their rate limit, a busy port, Server-Sent Events carrying the MQTT payloads, and an MJPEG stream that
 * ends cleanly when its client leaves.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { InjectOptions } from "fastify";
import type { FaceEvent } from "../src/events/types.ts";
import { parseSettings, SettingsError } from "../src/settings/index.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";
import { HAVE_MODELS } from "./helpers/cli.ts";
import { startRig, type WebRig } from "./web-support.ts";

const PASSWORD = "correct horse battery staple";
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

function settingsError(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseSettings({ ...raw, cameras: { door: { source: "/dev/video0" } } }, { env });
  } catch (err) {
    assert.ok(err instanceof SettingsError);
    return err.message;
  }
  return "";
}

/** A real HTTP request; resolves with the response as soon as its headers arrive. */
function get(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, resolve);
    req.on("error", reject);
    req.end();
  });
}

async function body(res: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of res) text += chunk;
  return text;
}

describe("web settings", () => {
  test("a page reachable from the network needs a password; defaults are local and open", () => {
    const s = parseSettings({ cameras: { door: { source: "/dev/video0" } } }, { env: {} });
    assert.deepEqual(
      { ...s.web },
      { enabled: true, host: "127.0.0.1", port: 8080, base_path: "", password_file: undefined },
    );
    assert.equal(s.captures.enabled, true);
    assert.equal(s.captures.max, 200);
    assert.equal(s.captures.dir, "/var/lib/facegate/captures");
    assert.match(
      settingsError({ web: { host: "0.0.0.0" } }),
      /web\.host: 0\.0\.0\.0 can be reached from the network.*FACEGATE_WEB_PASSWORD/,
    );
    assert.equal(settingsError({ web: { host: "0.0.0.0" } }, { FACEGATE_WEB_PASSWORD: "x" }), "");
    assert.equal(settingsError({ web: { host: "0.0.0.0", enabled: false } }), "");
    assert.equal(settingsError({ web: { host: "::1" } }), "");
    const dir = mkdtempSync(join(tmpdir(), "facegate-websettings-"));
    writeFileSync(join(dir, "pw"), `${PASSWORD}\n`);
    const withFile = parseSettings(
      { web: { host: "0.0.0.0", password_file: "pw" }, cameras: { door: { source: "/dev/video0" } } },
      { env: {}, baseDir: dir },
    );
    assert.equal(withFile.web.password, PASSWORD);
    writeFileSync(join(dir, "empty"), "");
    assert.match(
      settingsError({ web: { password_file: join(dir, "empty") } }),
      /web\.password_file: .* is empty/,
    );
    assert.match(
      settingsError({ web: { base_path: "facegate" } }),
      /web\.base_path: expected a URL path prefix/,
    );
    assert.match(settingsError({ web: { port: 70000 } }), /web\.port: expected a TCP port/);
    assert.match(
      settingsError({ web: { bogus: 1 } }),
      /web\.bogus: unknown key — this section knows: enabled, host, port/,
    );
    const proxied = parseSettings(
      { web: { base_path: "/door/facegate/" }, cameras: { door: { source: "/dev/video0" } } },
      { env: {} },
    );
    assert.equal(proxied.web.base_path, "/door/facegate");
  });
});

describe("web auth and streams", { skip: HAVE_MODELS ? false : "models not fetched (npm ci)" }, () => {
  let vision: VisionClient;
  let rig: WebRig;

  before(async () => {
    vision = new VisionClient({});
    await vision.start();
    rig = await startRig({
      vision,
      env: { FACEGATE_WEB_PASSWORD: PASSWORD },
      loginLimit: { maxFailures: 3, windowMs: 60_000 },
    });
  });
  after(async () => {
    await rig?.stop();
    await vision?.stop();
  });

  const inject = (opts: InjectOptions) => {
    const app = rig.web.app;
    if (!app) throw new Error("not running");
    return app.inject(opts);
  };

  test("without credentials: 401 (a Basic challenge for scripts, none for the page's fetch); health stays open", async () => {
    assert.equal((await inject({ url: "/api/health" })).statusCode, 200);
    const plain = await inject({ url: "/api/people" });
    assert.equal(plain.statusCode, 401);
    assert.equal(plain.headers["www-authenticate"], 'Basic realm="facegate", charset="UTF-8"');
    assert.deepEqual(plain.json(), {
      error: "authentication required: log in, or use HTTP Basic with user facegate",
    });
    const fromPage = await inject({ url: "/api/people", headers: { "sec-fetch-mode": "cors" } });
    assert.equal(fromPage.statusCode, 401);
    assert.equal(fromPage.headers["www-authenticate"], undefined);
    // An unauthenticated 50 MB upload is refused before its body is read.
    const upload = await inject({
      method: "POST",
      url: "/api/people/Anna/photos",
      payload: Buffer.alloc(50 * 1024 * 1024),
      headers: { "content-type": "image/jpeg" },
    });
    assert.equal(upload.statusCode, 401);
    assert.deepEqual((await inject({ url: "/api/session" })).json(), {
      authenticated: false,
      password_required: true,
    });
  });

  test("HTTP Basic with user facegate works; a wrong user or password does not", async () => {
    assert.equal(
      (await inject({ url: "/api/people", headers: { authorization: basic("facegate", PASSWORD) } }))
        .statusCode,
      200,
    );
    for (const authorization of [basic("admin", PASSWORD), basic("facegate", "nope"), "Bearer x"]) {
      const r = await inject({ url: "/api/people", headers: { authorization }, remoteAddress: "192.0.2.1" });
      assert.equal(r.statusCode, 401, authorization);
    }
    // Real HTTP too: a percent-encoded "/" reaches the handler's schema and is refused; ".." is never routed.
    const auth = { authorization: basic("facegate", PASSWORD) };
    const slash = await get(`${rig.web.url}api/captures/..%2F..%2Fgallery/image`, auth);
    assert.equal(slash.statusCode, 400);
    assert.match(await body(slash), /params\.id: not a capture id/);
    const named = await get(`${rig.web.url}api/captures?name=..%2Fx`, auth);
    assert.equal(named.statusCode, 400);
    assert.match(await body(named), /query\.name: not a usable name/);
    const dots = await get(`${rig.web.url}api/captures/%2E%2E/image`, auth);
    assert.equal(dots.statusCode, 404);
    assert.match(await body(dots), /^\{"error":"no such page or API route/);
  });

  test("the login form gives an HttpOnly, SameSite=Strict session cookie; logout ends it", async () => {
    const wrong = await inject({
      method: "POST",
      url: "/api/login",
      payload: { password: "nope" },
      remoteAddress: "192.0.2.2",
    });
    assert.equal(wrong.statusCode, 401);
    assert.deepEqual(wrong.json(), { error: "wrong password" });
    const form = await inject({
      method: "POST",
      url: "/api/login",
      payload: `password=${encodeURIComponent(PASSWORD)}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(form.statusCode, 204);
    const setCookie = String(form.headers["set-cookie"]);
    assert.match(
      setCookie,
      /^facegate_session=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    const cookie = setCookie.split(";")[0];
    assert.equal((await inject({ url: "/api/people", headers: { cookie } })).statusCode, 200);
    assert.equal(
      (await inject({ url: "/api/people", headers: { cookie: "facegate_session=forged" } })).statusCode,
      401,
    );
    assert.deepEqual((await inject({ url: "/api/session", headers: { cookie } })).json(), {
      authenticated: true,
      password_required: true,
    });
    assert.equal((await inject({ method: "POST", url: "/api/logout", headers: { cookie } })).statusCode, 204);
    assert.equal((await inject({ url: "/api/people", headers: { cookie } })).statusCode, 401);
  });

  test("too many failed logins from one address: 429 with Retry-After, even for the right password", async () => {
    const from = { remoteAddress: "192.0.2.7" };
    for (let i = 0; i < 3; i++) {
      const r = await inject({
        method: "POST",
        url: "/api/login",
        payload: { password: `guess ${i}` },
        ...from,
      });
      assert.equal(r.statusCode, 401);
    }
    const blocked = await inject({
      method: "POST",
      url: "/api/login",
      payload: { password: PASSWORD },
      ...from,
    });
    assert.equal(blocked.statusCode, 429);
    assert.ok(Number(blocked.headers["retry-after"]) > 0);
    assert.match(blocked.json().error, /too many failed logins/);
    const basicBlocked = await inject({
      url: "/api/people",
      headers: { authorization: basic("facegate", "x") },
      ...from,
    });
    assert.equal(basicBlocked.statusCode, 429);
    // Another address is not affected.
    const other = await inject({
      method: "POST",
      url: "/api/login",
      payload: { password: PASSWORD },
      remoteAddress: "192.0.2.8",
    });
    assert.equal(other.statusCode, 204);
  });

  test("events: Server-Sent Events carry the MQTT payloads; the stream closes with its client", async () => {
    const res = await get(`${rig.web.url}api/events`, { authorization: basic("facegate", PASSWORD) });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^text\/event-stream/);
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => {
      text += c;
    });
    const event: FaceEvent = {
      type: "identified",
      name: "José Ñúñez",
      score: 0.71,
      masked: true,
      track_id: "door-17",
      camera: "door",
      box: [212, 96, 118, 118],
      first_seen: "2026-11-28T13:02:11.120Z",
      timestamp: "2026-11-28T13:02:11.530Z",
    };
    while (rig.web.openStreams.events === 0) await new Promise((r) => setTimeout(r, 10));
    rig.bus.emit("face", { event });
    const deadline = Date.now() + 5000;
    while (!text.includes("\n\n", text.indexOf("data:")) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const data = text.split("\n").find((l) => l.startsWith("data: "));
    assert.equal(data, `data: ${JSON.stringify(event)}`, "the same bytes MQTT publishes");
    res.destroy();
    while (rig.web.openStreams.events > 0 && Date.now() < deadline + 5000)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(rig.web.openStreams.events, 0);
  });

  test("MJPEG: JPEG parts while frames come, stopped cleanly when the client leaves", async () => {
    const image = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3).fill(120) };
    const feeder = setInterval(
      () => rig.bus.emit("frame", { camera: "door", image, timestamp: Date.now(), tracks: [] }),
      50,
    );
    try {
      const res = await get(`${rig.web.url}api/cameras/door/stream?fps=10`, {
        authorization: basic("facegate", PASSWORD),
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers["content-type"], "multipart/x-mixed-replace; boundary=facegate-frame");
      let received = Buffer.alloc(0);
      res.on("data", (c: Buffer) => {
        received = Buffer.concat([received, c]);
      });
      const parts = () =>
        received.toString("latin1").split("--facegate-frame\r\nContent-Type: image/jpeg").length - 1;
      const deadline = Date.now() + 10_000;
      while (parts() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(parts() >= 3, `parts: ${parts()}`);
      const start = received.indexOf(Buffer.from([0xff, 0xd8]));
      assert.ok(start > 0, "a JPEG follows the part headers");
      assert.equal(rig.web.openStreams.mjpeg, 1);
      res.destroy();
      while (rig.web.openStreams.mjpeg > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(rig.web.openStreams.mjpeg, 0, "the server noticed the client left");
    } finally {
      clearInterval(feeder);
    }
  });

  test("a busy port is reported clearly and the daemon goes on without the page", async () => {
    const blocker = createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(startRig({ vision, web: { port } }), (err: Error) =>
        /web: 127\.0\.0\.1:\d+ is already in use \(another facegate, or another program\): set web\.port to a free port; running without the web page/.test(
          err.message,
        ),
      );
    } finally {
      blocker.close();
    }
  });
});
