#!/usr/bin/env bash
# facegate installer for Raspberry Pi OS, Debian and Ubuntu (arm64 and x86_64, Jetson included).
#
#   sudo deploy/install.sh              install or upgrade (idempotent: run it again after `git pull`)
#   sudo deploy/install.sh --dry-run    print every step, change nothing
#   sudo deploy/install.sh --uninstall  remove the program and the service; keep /etc/facegate and /var/lib/facegate
#   sudo deploy/install.sh --uninstall --purge   also remove settings, gallery, models, snapshots and the user
#
# What it does: checks Node.js >= 20 (and says how to get it), installs ffmpeg and python3 (sd_notify helper)
# with apt, creates the `facegate` system user (group `video` for the camera), the folders /etc/facegate (0750)
# and /var/lib/facegate (0700), copies the package to /opt/facegate, runs `npm ci` there (installs, fetches the
# sha256-pinned models, compiles TypeScript to dist/) and then `npm prune --omit=dev` (drops the compiler),
# links /usr/local/bin/facegate, installs the systemd unit and a default /etc/facegate/facegate.yaml if there is
# none, and runs `systemctl daemon-reload`. It never enables or starts the service on a first install; on an
# upgrade it restarts a service that is running.
#
# --root DIR (or DESTDIR=DIR) installs into a staging root instead of / (packaging, tests): no apt, no user,
# no chown, no systemctl. Exit codes: 0 done, 1 a step failed, 2 usage.
set -euo pipefail

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'USAGE'

options:
  --dry-run          print every step without doing it
  --root DIR         install below DIR instead of / (also DESTDIR)
  --skip-packages    do not apt-get install ffmpeg/python3
  --skip-npm         copy the package but do not run npm (the copy must then already hold dist/ and node_modules/)
  --uninstall        remove facegate (keeps settings and data)
  --purge            with --uninstall: remove settings, data and the facegate user too
  -h, --help         this text
USAGE
}

dry_run=0
root=${DESTDIR:-}
skip_packages=0
skip_npm=0
uninstall=0
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --root)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      root=$2
      shift
      ;;
    --root=*) root=${1#*=} ;;
    --skip-packages) skip_packages=1 ;;
    --skip-npm) skip_npm=1 ;;
    --uninstall) uninstall=1 ;;
    --purge) purge=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if [ "$purge" = 1 ] && [ "$uninstall" = 0 ]; then
  echo "install.sh: --purge goes with --uninstall" >&2
  exit 2
fi
root=${root%/}
# A staging root is not the running system: users, packages and systemd belong to the real one.
fake_root=0
[ -n "$root" ] && fake_root=1

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
opt="$root/opt/facegate"
etc="$root/etc/facegate"
state="$root/var/lib/facegate"
unit="$root/etc/systemd/system/facegate.service"
bindir="$root/usr/local/bin"
user=facegate

say() { printf '==> %s\n' "$*"; }
# Every change goes through run: printed always, executed unless --dry-run.
run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  [ "$dry_run" = 1 ] || "$@"
}
# Like run, for steps that are skipped in a staging root (users, packages, systemd).
run_system() {
  if [ "$fake_root" = 1 ]; then
    printf '+ (skipped with --root)'
    printf ' %q' "$@"
    printf '\n'
  else
    run "$@"
  fi
}
have_systemd() { [ "$fake_root" = 0 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

check_root() {
  if [ "$fake_root" = 0 ] && [ "$dry_run" = 0 ] && [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (sudo $0), or use --dry-run / --root DIR" >&2
    exit 1
  fi
}

check_platform() {
  local arch id like
  arch=$(uname -m)
  case "$arch" in
    aarch64 | arm64 | x86_64 | amd64) ;;
    armv7l | armv6l)
      echo "install.sh: $arch (32-bit ARM) is not supported: onnxruntime-node ships arm64 and x64 builds only." >&2
      echo "  On a Raspberry Pi 3/4/5 install the 64-bit Raspberry Pi OS." >&2
      exit 1
      ;;
    *) echo "install.sh: warning: untested architecture $arch" >&2 ;;
  esac
  id=unknown
  like=
  if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091
    id=$(. /etc/os-release && echo "${ID:-unknown}")
    # shellcheck disable=SC1091
    like=$(. /etc/os-release && echo "${ID_LIKE:-}")
  fi
  case " $id $like " in
    *" debian "* | *" ubuntu "* | *" raspbian "*) ;;
    *) echo "install.sh: warning: $id is not Debian, Ubuntu or Raspberry Pi OS; apt steps may fail" >&2 ;;
  esac
  if [ -r /etc/nv_tegra_release ]; then
    say "Jetson (L4T) detected: facegate runs its models on the CPU cores (no CUDA needed)"
  fi
  say "platform: $id on $arch"
}

node_help() {
  cat >&2 <<'HELP'
facegate needs Node.js 20 or newer (with npm). Ways to get it:
  * Debian 13 (trixie) and newer, Ubuntu 24.10 and newer:   sudo apt install nodejs npm
  * Raspberry Pi OS / Debian 12 / Ubuntu 22.04 / 24.04 / Jetson (L4T, Ubuntu based): the NodeSource apt
    repository, added by hand (no script piped into a shell):
      sudo apt install ca-certificates curl gnupg
      sudo install -d -m 0755 /etc/apt/keyrings
      curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | sudo gpg --dearmor -o /etc/apt/keyrings/nodesource.gpg
      echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main" | sudo tee /etc/apt/sources.list.d/nodesource.list
      sudo apt update && sudo apt install nodejs
Then run this installer again.
HELP
}

check_node() {
  local version major
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install.sh: node and npm not found" >&2
    node_help
    exit 1
  fi
  version=$(node -p 'process.versions.node')
  major=${version%%.*}
  if [ "$major" -lt 20 ]; then
    echo "install.sh: Node.js $version is too old" >&2
    node_help
    exit 1
  fi
  say "Node.js $version"
}

install_packages() {
  local missing=() p
  for p in ffmpeg python3; do
    command -v "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "$skip_packages" = 1 ]; then
    say "packages: skipped (--skip-packages)${missing[*]:+; missing: ${missing[*]}}"
    return
  fi
  if [ ${#missing[@]} -eq 0 ]; then
    say "packages: ffmpeg and python3 present"
    return
  fi
  run_system apt-get update
  run_system env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

create_user() {
  if getent passwd "$user" >/dev/null 2>&1; then
    say "user $user exists"
  else
    run_system useradd --system --user-group --home-dir /var/lib/facegate --no-create-home \
      --shell /usr/sbin/nologin --comment "facegate face recognition" "$user"
  fi
  # `video` gives the camera (/dev/video*); Jetson CSI cameras also need it.
  if getent group video >/dev/null 2>&1; then
    run_system usermod --append --groups video "$user"
  fi
}

# chown only on the real system: a staging root has no facegate user.
own() {
  if [ "$fake_root" = 0 ]; then run chown "$@"; else printf '+ (skipped with --root) chown %s\n' "$*"; fi
}

make_folders() {
  run install -d -m 0755 "$root/opt" "$bindir" "$root/etc/systemd/system"
  run install -d -m 0750 "$etc"
  own "root:$user" "$etc"
  # The gallery, models and snapshots are biometric data: only the service user may enter.
  run install -d -m 0700 "$state"
  own "$user:$user" "$state"
}

# The package is built in a fresh folder beside the old one and swapped in only when complete: a failed
# upgrade (no network for npm) leaves the installed version working.
install_package() {
  local stage="$opt.new"
  run rm -rf "$stage"
  run install -d -m 0755 "$stage"
  local item
  for item in package.json package-lock.json .npmrc tsconfig.json bin src scripts config deploy weights LICENSE README.md dist; do
    [ -e "$src/$item" ] && run cp -a "$src/$item" "$stage/"
  done
  if [ "$skip_npm" = 1 ]; then
    say "npm: skipped (--skip-npm)"
  else
    # npm ci installs everything (the dev dependencies include the TypeScript compiler), fetches the models
    # (postinstall) and builds dist/ (prepare); prune then drops the dev dependencies.
    run env --chdir="$stage" npm ci --no-audit --no-fund
    run env --chdir="$stage" npm prune --omit=dev --no-audit --no-fund
    if [ "$dry_run" = 0 ] && [ ! -f "$stage/dist/cli/index.js" ]; then
      echo "install.sh: the build did not produce dist/cli/index.js" >&2
      exit 1
    fi
  fi
  if [ -e "$opt" ]; then
    run rm -rf "$opt.old"
    run mv "$opt" "$opt.old"
  fi
  run mv "$stage" "$opt"
  run rm -rf "$opt.old"
  run chmod -R go-w "$opt"
  run ln -sfn /opt/facegate/bin/facegate.js "$bindir/facegate"
  run ln -sfn /opt/facegate/scripts/retrain.sh "$bindir/facegate-retrain"
}

write_default_config() {
  local cfg="$etc/facegate.yaml"
  if [ -e "$cfg" ]; then
    say "settings: $cfg kept as it is"
    return
  fi
  printf '+ write %s (default settings)\n' "$cfg"
  [ "$dry_run" = 1 ] && return
  cat >"$cfg" <<'YAML'
# facegate settings, written by deploy/install.sh. Adapt, then: sudo systemctl restart facegate
# Every key is explained in the README ("Configuration reference"); unknown keys are an error.
gallery: /var/lib/facegate/gallery.json

mqtt:
  # Omitted url: an embedded broker on 127.0.0.1:1883. For a real broker (recommended, e.g. mosquitto or
  # Home Assistant's add-on):
  #   url: mqtts://broker.lan:8883
  #   username: facegate
  #   password_file: /etc/facegate/mqtt-password   # mode 0640 root:facegate; or FACEGATE_MQTT_PASSWORD in facegate.env
  #   tls: { ca: /etc/facegate/ca.crt, cert: /etc/facegate/client.crt, key: /etc/facegate/client.key }
  embedded_host: 127.0.0.1
  embedded_port: 1883
  topic_prefix: facegate
  outbox:
    path: /var/lib/facegate/outbox.json

snapshots:
  enabled: false
  # dir: /var/lib/facegate/snapshots

training:
  people: /var/lib/facegate/people
  store: /var/lib/facegate/models

cameras:
  door:
    source: /dev/video0
    input_format: mjpeg
    width: 640
    height: 480
    fps: 10

log:
  level: info
YAML
  run chmod 0640 "$cfg"
  own "root:$user" "$cfg"
}

install_unit() {
  run install -m 0644 "$src/deploy/facegate.service" "$unit"
  if have_systemd; then
    run systemctl daemon-reload
    if systemctl is-active --quiet facegate; then
      run systemctl restart facegate
    else
      say "enable and start it with: sudo systemctl enable --now facegate"
    fi
  else
    printf '+ (skipped: no systemd here) systemctl daemon-reload\n'
  fi
}

do_install() {
  check_root
  check_platform
  check_node
  install_packages
  create_user
  make_folders
  install_package
  write_default_config
  install_unit
  say "facegate installed in $opt"
  say "next: enroll people: sudo -u facegate facegate enroll <photos folder> --gallery /var/lib/facegate/gallery.json"
}

do_uninstall() {
  check_root
  if have_systemd; then
    run systemctl disable --now facegate || true
  else
    printf '+ (skipped: no systemd here) systemctl disable --now facegate\n'
  fi
  run rm -f "$unit" "$bindir/facegate" "$bindir/facegate-retrain"
  have_systemd && run systemctl daemon-reload
  run rm -rf "$opt" "$opt.new" "$opt.old"
  if [ "$purge" = 1 ]; then
    run rm -rf "$etc" "$state"
    if getent passwd "$user" >/dev/null 2>&1; then
      run_system userdel "$user"
    fi
    say "facegate removed with its settings, gallery, models and snapshots"
  else
    say "facegate removed; kept $etc and $state (--purge removes them)"
  fi
}

if [ "$uninstall" = 1 ]; then do_uninstall; else do_install; fi
