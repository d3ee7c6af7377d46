/**
 * Docker cannot run on the development and CI machines, so the image files are checked statically: every path
 * the Dockerfile copies exists, the image runs as a non-root user, nothing architecture-specific is downloaded,
 * no script is piped into a shell, the build context leaves out local state and secrets, and the compose file
 * wires mosquitto and facegate with the camera passed through.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { REPO_ROOT } from "./helpers/cli.ts";

const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
/** Instructions with their continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));

describe("Dockerfile", () => {
  test("copies only paths that exist in the repository (or come from the build stage)", () => {
    for (const line of instructions.filter((l) => l.startsWith("COPY ") && !l.includes("--from="))) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const s of sources) assert.ok(existsSync(join(REPO_ROOT, s)), `COPY source ${s} exists`);
    }
  });

  test("multi-arch friendly: a configurable Node 20 bookworm base, no architecture-specific downloads", () => {
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    for (const from of instructions.filter((l) => l.startsWith("FROM ")))
      assert.match(from, /^FROM \$\{NODE_IMAGE\}/, "every stage uses the configurable base");
    const runs = instructions.filter((l) => l.startsWith("RUN ")).join("\n");
    assert.doesNotMatch(runs, /amd64|x86_64|aarch64|arm64|armhf/, "no architecture named in RUN steps");
    assert.doesNotMatch(runs, /(curl|wget)[^|]*\|\s*(ba)?sh/, "no script piped into a shell");
    assert.match(runs, /npm ci/);
    assert.match(runs, /npm prune --omit=dev/);
  });

  test("runs as an unprivileged user with the daemon as entry point", () => {
    const users = instructions.filter((l) => l.startsWith("USER "));
    assert.ok(users.length > 0, "a USER instruction");
    assert.notEqual(users.at(-1), "USER root");
    assert.match(dockerfile, /--groups video/, "the user may open /dev/video*");
    assert.match(dockerfile, /ENTRYPOINT \["node", "\/opt\/facegate\/bin\/facegate.js"\]/);
    assert.match(dockerfile, /CMD \["run", "--config", "\/etc\/facegate\/facegate.yaml"\]/);
    assert.match(dockerfile, /--device \/dev\/video0/, "camera pass-through documented");
  });

  test(".dockerignore leaves out local state, build output and secrets", () => {
    const ignored = readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8").split("\n");
    for (const p of [".git", "node_modules", "dist", "models", ".facegate", "test", "**/*.key"])
      assert.ok(ignored.includes(p), `.dockerignore has ${p}`);
  });
});

describe("deploy/docker-compose.yml", () => {
  const compose = parse(readFileSync(join(REPO_ROOT, "deploy", "docker-compose.yml"), "utf8")) as {
    services: Record<string, Record<string, unknown>>;
  };

  test("mosquitto and facegate, camera passed through, data in a volume", () => {
    const { mosquitto, facegate } = compose.services;
    assert.match(String(mosquitto.image), /^eclipse-mosquitto:/);
    assert.deepEqual(facegate.devices, ["/dev/video0:/dev/video0"]);
    assert.deepEqual(facegate.group_add, ["video"]);
    assert.ok((facegate.volumes as string[]).some((v) => v.endsWith(":/var/lib/facegate")));
    assert.ok(existsSync(join(REPO_ROOT, "deploy", "mosquitto", "mosquitto.conf")));
  });

  test("the example settings for compose are valid facegate settings", async () => {
    const { loadSettings } = await import("../src/settings/load.ts");
    const s = loadSettings(join(REPO_ROOT, "deploy", "mosquitto", "facegate.docker.yaml"), { env: {} });
    assert.equal(s.mqtt.url, "mqtt://mosquitto:1883");
  });
});
