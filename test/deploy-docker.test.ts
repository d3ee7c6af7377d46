/**
 * Docker cannot run on the development and CI machines, so the image files are checked statically: every path
 * the Dockerfile copies exists, the image runs as a non-root user, it builds for linux/amd64 and linux/arm64 (the
 * build stage on the build machine's platform, the production dependencies installed for the target's CPU with
 * the same npm flags `npm run check:arm64` proves under emulation), nothing architecture-specific is downloaded
 * by hand, no script is piped into a shell, the build context leaves out local state and secrets, and the
 * compose file wires mosquitto and facegate with the camera passed through.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
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

  test("multi-arch: a configurable Node 20 bookworm base, built on the build platform, no hand-made downloads", () => {
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    assert.match(dockerfile, /docker buildx build --platform linux\/arm64,linux\/amd64/, "buildx documented");
    const froms = instructions.filter((l) => l.startsWith("FROM "));
    assert.match(
      froms[0],
      /^FROM --platform=\$BUILDPLATFORM \$\{NODE_IMAGE\} AS build$/,
      "build stage runs natively",
    );
    assert.match(froms.at(-1) ?? "", /^FROM \$\{NODE_IMAGE\}$/, "the image itself is the target's");
    const runs = instructions.filter((l) => l.startsWith("RUN ")).join("\n");
    assert.doesNotMatch(runs, /(curl|wget)[^|]*\|\s*(ba)?sh/, "no script piped into a shell");
    assert.doesNotMatch(runs, /x86_64|aarch64|armhf|napi-v6/, "no platform binaries picked by hand");
    assert.match(runs, /npm ci --no-audit/, "the full install (compiler, models) on the build platform");
  });

  test("installs the production dependencies for the target CPU, as check:arm64 does under emulation", () => {
    const runs = instructions.filter((l) => l.startsWith("RUN ")).join("\n");
    const prod = /npm ci (--omit=dev[^&]*)/.exec(runs)?.[1] ?? "";
    for (const flag of ["--omit=dev", "--ignore-scripts", "--os=linux", "--libc=glibc", '--cpu="$cpu"'])
      assert.ok(prod.includes(flag), `production install has ${flag}`);
    const stage = readFileSync(join(REPO_ROOT, "scripts", "arm64", "stage.ts"), "utf8");
    for (const flag of ["--omit=dev", "--ignore-scripts", "--os=linux", "--libc=glibc", "--cpu=arm64"])
      assert.ok(stage.includes(`"${flag}"`), `check:arm64 installs with ${flag} too`);
  });

  test("maps BuildKit's TARGETARCH to npm's CPU names and refuses 32-bit ARM", () => {
    const runs = instructions.filter((l) => l.startsWith("RUN ")).join("\n");
    const mapping = /case "\$\{TARGETARCH:-native\}" in .*? esac/.exec(runs)?.[0];
    assert.ok(mapping, "a case over TARGETARCH");
    const cpuFor = (arch: string) =>
      execFileSync("sh", ["-c", `TARGETARCH="$1"; ${mapping}; echo "$cpu"`, "sh", arch], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }).trim();
    assert.equal(cpuFor("amd64"), "x64");
    assert.equal(cpuFor("arm64"), "arm64");
    assert.equal(cpuFor(""), process.arch, "the classic builder builds for its own platform");
    assert.throws(() => cpuFor("arm"), /not arm/);
  });

  test("the image runs with the systemd unit's memory settings", () => {
    const unit = readFileSync(join(REPO_ROOT, "deploy", "facegate.service"), "utf8");
    const unitEnv = [...unit.matchAll(/^Environment=(MALLOC_ARENA_MAX|NODE_OPTIONS)=(.*)$/gm)].map(
      (m) => `${m[1]}=${m[2]}`,
    );
    assert.deepEqual(unitEnv, ["MALLOC_ARENA_MAX=2", "NODE_OPTIONS=--max-semi-space-size=2"]);
    assert.ok(instructions.includes(`ENV ${unitEnv.join(" ")}`), "the same values in the image");
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
