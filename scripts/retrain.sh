#!/usr/bin/env bash
# facegate-retrain — retrain facegate from its people folder and hot-swap the model, e.g. `ssh pi@door facegate-retrain`.
#
# Reads the paths from the config's `training:` section (people, store, negatives), takes a lock so that two
# retrainings never race, trains a new model version into the store, refuses to activate it when its validation
# accuracy is worse than the active model's (unless --force), activates it atomically and asks the running daemon
# to reload. Runs as any user that may write the store (normally the service user: `sudo -u facegate facegate-retrain`).
#
# Exit codes: 0 ok, 1 training failed (active model unchanged), 2 usage, 3 refused as worse, 4 locked (busy).
set -u

usage() {
  cat <<'USAGE'
usage: facegate-retrain [--config FILE] [--force] [--no-reload] [--pid-file FILE] [--service NAME] [-- TRAIN-OPTIONS]
  --config FILE    facegate settings (default /etc/facegate/facegate.yaml)
  --force          activate the new model even when it validates worse than the active one
  --no-reload      do not signal the daemon
  --pid-file FILE  the daemon's pid file, for SIGHUP when systemd cannot be asked
  --service NAME   systemd unit (default facegate)
  -- ...           further options for `facegate train` (e.g. --seed 7 --epochs 100)
exit codes: 0 ok, 1 training failed, 2 usage, 3 refused as worse, 4 another retraining is running
USAGE
}

config=/etc/facegate/facegate.yaml
force=0
reload=1
pid_file=${FACEGATE_PID_FILE:-}
service=${FACEGATE_SERVICE:-facegate}
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config) [ $# -ge 2 ] || { usage >&2; exit 2; }; config=$2; shift 2 ;;
    --config=*) config=${1#*=}; shift ;;
    --force) force=1; shift ;;
    --no-reload) reload=0; shift ;;
    --pid-file) [ $# -ge 2 ] || { usage >&2; exit 2; }; pid_file=$2; shift 2 ;;
    --service) [ $# -ge 2 ] || { usage >&2; exit 2; }; service=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "facegate-retrain: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

# FACEGATE_BIN lets tests and source checkouts run e.g. "node /opt/facegate/bin/facegate.js".
read -r -a facegate <<<"${FACEGATE_BIN:-facegate}"

if [ ! -r "$config" ]; then
  echo "facegate-retrain: cannot read config $config" >&2
  exit 2
fi
if ! command -v flock >/dev/null 2>&1; then
  echo "facegate-retrain: needs flock (util-linux)" >&2
  exit 1
fi

store=$("${facegate[@]}" train --config "$config" --print-store) || exit 2
if ! mkdir -p "$store" 2>/dev/null || [ ! -w "$store" ]; then
  echo "facegate-retrain: cannot write the model store $store (run as the service user: sudo -u facegate facegate-retrain)" >&2
  exit 1
fi

# The lock lives in the store, so it guards exactly what is written; the kernel drops it when we exit, even on kill -9.
lock="$store/.retrain.lock"
exec 9>>"$lock" || { echo "facegate-retrain: cannot open $lock" >&2; exit 1; }
if ! flock -n 9; then
  echo "facegate-retrain: another retraining of $store is running (lock $lock)" >&2
  exit 4
fi

args=(train --config "$config" --require-better)
[ "$force" = 1 ] && args+=(--force)
start=$(date +%s)
"${facegate[@]}" "${args[@]}" "${extra[@]}"
rc=$?
case $rc in
  0) ;;
  3) echo "facegate-retrain: new model NOT activated (validates worse than the active one); rerun with --force to use it anyway" >&2; exit 3 ;;
  2) exit 2 ;;
  *) echo "facegate-retrain: training failed (exit $rc); the active model is unchanged" >&2; exit 1 ;;
esac

# Ask the daemon to pick the new model up: systemd first, then SIGHUP. The daemon also watches the store's
# current.json, so a failure here only delays the switch; it is reported, not fatal.
signal_daemon() {
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    if systemctl reload "$service" 2>/dev/null; then
      echo "reloaded: systemctl reload $service"
      return 0
    fi
    # A non-root user may not ask systemd, but may signal its own service's process.
    local main
    main=$(systemctl show -p MainPID --value "$service" 2>/dev/null)
    if [ -n "$main" ] && [ "$main" != 0 ] && kill -HUP "$main" 2>/dev/null; then
      echo "reloaded: SIGHUP to $service (pid $main)"
      return 0
    fi
  fi
  if [ -n "$pid_file" ] && [ -r "$pid_file" ]; then
    local pid
    pid=$(tr -dc '0-9' <"$pid_file")
    if [ -n "$pid" ] && kill -HUP "$pid" 2>/dev/null; then
      echo "reloaded: SIGHUP to pid $pid ($pid_file)"
      return 0
    fi
  fi
  echo "facegate-retrain: could not signal the daemon; it switches when it next reads $store/current.json (or restart it)" >&2
  return 1
}

[ "$reload" = 1 ] && signal_daemon
echo "facegate-retrain: done in $(($(date +%s) - start)) s; model store $store"
exit 0
