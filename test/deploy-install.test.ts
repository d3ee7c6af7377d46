/**
 * deploy/install.sh: shellcheck-clean, a dry run that prints every step and changes nothing, and a real install
 * into a staging root (`--root`, no systemd, no users, no apt, no npm) that lays out the files as on a Pi, keeps
 * a settings file the user edited on a second run, and uninstalls with and without --purge.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadSettings } from "../src/settings/load.ts";
import { REPO_ROOT } from "./helpers/cli.ts";

const SCRIPT = join(REPO_ROOT, "deploy", "install.sh");

function install(args: string[]): { code: number | null; out: string } {
  const r = spawnSync("bash", [SCRIPT, ...args], { encoding: "utf8", env: { ...process.env, DESTDIR: "" } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function haveShellcheck(): boolean {
  try {
    execFileSync("shellcheck", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const mode = (p: string) => `0${(statSync(p).mode & 0o777).toString(8)}`;

describe("deploy/install.sh", () => {
  test("is shellcheck-clean", {
    skip: haveShellcheck() ? false : "shellcheck absent (apt install shellcheck)",
  }, () => {
    const r = spawnSync("shellcheck", [SCRIPT], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout);
  });

  test("--help and a wrong option", () => {
    assert.equal(install(["--help"]).code, 0);
    assert.equal(install(["--bogus"]).code, 2);
    assert.equal(install(["--purge"]).code, 2, "--purge alone is refused");
  });

  test("--dry-run on the real system prints every step and changes nothing", () => {
    const existed = ["/opt/facegate", "/etc/facegate", "/etc/systemd/system/facegate.service"].filter((p) =>
      existsSync(p),
    );
    const r = install(["--dry-run", "--skip-packages"]);
    assert.equal(r.code, 0, r.out);
    for (const step of [
      "install -d -m 0700 /var/lib/facegate",
      "install -d -m 0750 /etc/facegate",
      "npm ci",
      "npm prune --omit=dev",
      "mv /opt/facegate.new /opt/facegate",
      "ln -sfn /opt/facegate/bin/facegate.js /usr/local/bin/facegate",
      "install -m 0644",
      "facegate.service",
      "daemon-reload",
    ])
      assert.ok(r.out.includes(step), `dry run shows: ${step}\n${r.out}`);
    if (!existed.includes("/etc/facegate")) assert.match(r.out, /write \/etc\/facegate\/facegate.yaml/);
    for (const p of ["/opt/facegate", "/etc/facegate", "/etc/systemd/system/facegate.service"])
      if (!existed.includes(p)) assert.ok(!existsSync(p), `${p} was not created`);
    const un = install(["--dry-run", "--uninstall", "--purge"]);
    assert.equal(un.code, 0, un.out);
    assert.match(un.out, /rm -rf \/etc\/facegate \/var\/lib\/facegate/);
  });

  test("installs into a staging root, idempotently, and uninstalls", () => {
    const root = mkdtempSync(join(tmpdir(), "facegate-root-"));
    const first = install(["--root", root, "--skip-packages", "--skip-npm"]);
    assert.equal(first.code, 0, first.out);

    const opt = join(root, "opt", "facegate");
    for (const f of [
      "bin/facegate.js",
      "package.json",
      "package-lock.json",
      ".npmrc",
      "src/cli/main.ts",
      "scripts/retrain.sh",
    ])
      assert.ok(existsSync(join(opt, f)), `${f} installed`);
    assert.ok(!existsSync(join(opt, ".git")), "no .git in the installed tree");
    assert.ok(!existsSync(join(opt, "test")), "no tests in the installed tree");
    assert.ok(!existsSync(`${opt}.new`) && !existsSync(`${opt}.old`), "no staging leftovers");
    assert.equal(mode(join(root, "var", "lib", "facegate")), "0700");
    assert.equal(mode(join(root, "etc", "facegate")), "0750");
    const unit = join(root, "etc", "systemd", "system", "facegate.service");
    assert.equal(
      readFileSync(unit, "utf8"),
      readFileSync(join(REPO_ROOT, "deploy", "facegate.service"), "utf8"),
    );
    assert.equal(mode(unit), "0644");
    const link = join(root, "usr", "local", "bin", "facegate");
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), "/opt/facegate/bin/facegate.js");

    // The default settings are valid for the daemon as written.
    const config = join(root, "etc", "facegate", "facegate.yaml");
    assert.equal(mode(config), "0640");
    const settings = loadSettings(config, { env: {} });
    assert.equal(settings.gallery, "/var/lib/facegate/gallery.json");
    assert.equal(settings.cameras.door.source, "/dev/video0");

    // Second run: an upgrade; the user's settings stay as they are.
    writeFileSync(config, `${readFileSync(config, "utf8")}# edited by the user\n`);
    const second = install(["--root", root, "--skip-packages", "--skip-npm"]);
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /kept as it is/);
    assert.match(readFileSync(config, "utf8"), /# edited by the user/);

    const un = install(["--root", root, "--uninstall"]);
    assert.equal(un.code, 0, un.out);
    assert.ok(!existsSync(opt) && !existsSync(unit) && !existsSync(link), "program and unit removed");
    assert.ok(
      existsSync(config) && existsSync(join(root, "var", "lib", "facegate")),
      "settings and data kept",
    );

    const purge = install(["--root", root, "--uninstall", "--purge"]);
    assert.equal(purge.code, 0, purge.out);
    assert.ok(
      !existsSync(join(root, "etc", "facegate")) && !existsSync(join(root, "var", "lib", "facegate")),
    );
    rmSync(root, { recursive: true, force: true });
  });
});
