#!/usr/bin/env bash
# npm run check:arm64 — runs the built package on arm64 under emulation (qemu user mode) and compares its answers
# with the x64 run of the same commands. This part prepares what comes from Debian:
#   - qemu-aarch64-static (package qemu-user-static; installed with apt when missing, as root);
#   - an arm64 sysroot with the C and C++ runtimes (libc6, libstdc++6, libgcc-s1 for arm64), fetched with apt into
#     a private apt state (no `dpkg --add-architecture`, nothing installed on this machine) and unpacked under
#     ~/.cache/facegate-arm64, so a re-run downloads nothing;
# then scripts/arm64/check.ts does the rest (npm tarballs, the arm64 copy of the package, the runs, the verdict).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${FACEGATE_ARM64_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/facegate-arm64}"
SYSROOT="$CACHE/sysroot"
log() { echo "[check:arm64] $*" >&2; }

if ! command -v qemu-aarch64-static >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    log "qemu-aarch64-static is missing: install the Debian package qemu-user-static (as root) and run again"
    exit 1
  fi
  log "installing qemu-user-static"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends qemu-user-static >/dev/null
fi

# The C/C++ runtimes of arm64 Debian (what a Raspberry Pi OS 64-bit or a Jetson has), from this machine's apt
# sources. A marker names the packages, so a changed list unpacks again.
PKGS=(libc6 libstdc++6 libgcc-s1)
MARKER="$SYSROOT/.facegate-packages"
if [ "$(cat "$MARKER" 2>/dev/null)" != "${PKGS[*]}" ]; then
  log "fetching the arm64 runtime libraries from Debian (${PKGS[*]})"
  # apt's download user (_apt) cannot write into root's home: fetch as root into our own folders.
  APT=(-o "Dir::State::Lists=$CACHE/apt/lists" -o "Dir::Cache=$CACHE/apt/cache"
    -o "APT::Architecture=arm64" -o "APT::Architectures::=arm64" -o "APT::Sandbox::User=root")
  mkdir -p "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial" "$CACHE/debs"
  apt-get "${APT[@]}" update -qq
  rm -f "$CACHE"/debs/*.deb
  (cd "$CACHE/debs" && apt-get "${APT[@]}" download "${PKGS[@]/%/:arm64}" >/dev/null)
  rm -rf "$SYSROOT.tmp"
  mkdir -p "$SYSROOT.tmp"
  for deb in "$CACHE"/debs/*.deb; do dpkg-deb -x "$deb" "$SYSROOT.tmp"; done
  echo "${PKGS[*]}" >"$SYSROOT.tmp/.facegate-packages"
  rm -rf "$SYSROOT"
  mv "$SYSROOT.tmp" "$SYSROOT"
fi

export FACEGATE_ARM64_CACHE="$CACHE"
exec node --import tsx scripts/arm64/check.ts "$@"
