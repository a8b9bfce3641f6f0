# Shared helpers for the dev/ scripts. Source it; do not run it.
set -euo pipefail

DEV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$DEV_DIR/.." && pwd)"
# shellcheck source=versions.env
source "$DEV_DIR/versions.env"

# Built tools are cached per user and keyed by version, so a second run on
# the same machine reuses them.
KAPPA_CACHE="${KAPPA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kappa-operator}"
# A running stack keeps its state (pids, logs, certs, data) here.
STACK_DIR="${KAPPA_STACK_DIR:-$REPO_ROOT/.stack}"
BUILD_DIR="${KAPPA_BUILD_DIR:-$REPO_ROOT/build}"

log()  { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }

# fail STEP LOGFILE MESSAGE: report a broken step and the log to read.
fail() {
  local step="$1" logfile="$2"; shift 2
  printf '\033[1;31mFAILED step "%s":\033[0m %s\n' "$step" "$*" >&2
  if [[ -n "$logfile" && -f "$logfile" ]]; then
    printf '  read %s; its last lines:\n' "$logfile" >&2
    tail -n 20 "$logfile" | sed 's/^/    /' >&2
  fi
  exit 1
}

# run_step STEP LOGFILE CMD...: run CMD with output in LOGFILE; fail loudly.
run_step() {
  local step="$1" logfile="$2"; shift 2
  mkdir -p "$(dirname "$logfile")"
  log "$step (log: $logfile)"
  if ! "$@" >"$logfile" 2>&1; then
    fail "$step" "$logfile" "command failed: $*"
  fi
}

# start NAME CMD...: run CMD detached in a session of its own (so stopping
# it reaches every child), pid in pids/NAME, command line in cmd/NAME so
# stack-restart.sh can start it again the same way.
start() {
  local name="$1"; shift
  printf '%q ' "$@" >"$STACK_DIR/cmd/$name"
  setsid "$@" >>"$STACK_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STACK_DIR/pids/$name"
}

# await NAME SECONDS CMD...: wait until CMD (a readiness check) succeeds;
# fail naming the log as soon as the process has exited or time is up. The
# check is saved in ready/NAME for stack-restart.sh.
await() {
  local name="$1" secs="$2"; shift 2
  local pid deadline=$((SECONDS + secs))
  mkdir -p "$STACK_DIR/ready"
  printf '%q ' "$@" >"$STACK_DIR/ready/$name"
  pid="$(cat "$STACK_DIR/pids/$name")"
  log "waiting for $name to be ready"
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || fail "start $name" "$STACK_DIR/logs/$name.log" "$name exited during start-up"
    ((SECONDS < deadline)) || fail "start $name" "$STACK_DIR/logs/$name.log" "$name not ready after ${secs}s"
    sleep 0.5
  done
}

# stop_component NAME: TERM the component's whole session, KILL after 20 s,
# and wait until no process of it is left.
stop_component() {
  local name="$1" file="$STACK_DIR/pids/$1" sid
  [[ -f "$file" ]] || return 0
  sid="$(cat "$file")"
  if pgrep -s "$sid" >/dev/null 2>&1; then
    pkill -TERM -s "$sid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while pgrep -s "$sid" >/dev/null 2>&1 && ((SECONDS < deadline)); do sleep 0.2; done
    if pgrep -s "$sid" >/dev/null 2>&1; then
      warn "$name did not stop within 20s; killing it"
      pkill -KILL -s "$sid" 2>/dev/null || true
      while pgrep -s "$sid" >/dev/null 2>&1; do sleep 0.1; done
    fi
  fi
  rm -f "$file"
}

# free_ports N: N distinct ports nobody listens on, one per line (below the
# kernel's ephemeral range; see dev/free-ports.py).
free_ports() { python3 "$DEV_DIR/free-ports.py" "${1:-1}"; }

kube_bin_dir() { echo "$KAPPA_CACHE/kubernetes-$KUBE_VERSION/bin"; }
helm_bin_dir() { echo "$KAPPA_CACHE/helm-$HELM_VERSION/bin"; }
kafka_lib_dir() { echo "$KAPPA_CACHE/kafka-$KAFKA_VERSION/libs"; }
kafka_is_4x() { [[ "${KAFKA_VERSION%%.*}" -ge 4 ]]; }
# 4.x logs through log4j2, 3.x through reload4j (log4j 1 configuration).
kafka_logging() { kafka_is_4x && echo log4j2 || echo reload4j; }
kafka_log_config_opt() {
  if [[ "$(kafka_logging)" == log4j2 ]]; then
    echo "-Dlog4j2.configurationFile=file:$DEV_DIR/kafka/log4j2.properties"
  else
    echo "-Dlog4j.configuration=file:$DEV_DIR/kafka/log4j.properties"
  fi
}
# Kafka 4.0.0 dropped JoinGroup v0/v1, which Debian's librdkafka 2.0.2 needs
# (4.0.1 and 4.1.0 brought them back).
check_kafka_version() {
  [[ "$KAFKA_VERSION" =~ ^(3\.9|4)\.[0-9]+(\.[0-9]+)?$ ]] \
    || fail "check Kafka version" "" "KAFKA_VERSION=$KAFKA_VERSION: supported are 3.9.x and 4.x (see README, Compatibility)"
  [[ "$KAFKA_VERSION" != 4.0.0 ]] \
    || fail "check Kafka version" "" "Kafka 4.0.0 is not supported: it removed JoinGroup v0/v1, which librdkafka 2.0.2 needs (4.0.1 and later restored them)"
}

# Locally built images live in a buildah store of their own in the cache,
# apart from the machine's containers; its run state is on /run, which a
# reboot clears together with the mounts it describes.
IMAGE_STORE="$KAPPA_CACHE/image-store"
image_base_name() { echo "localhost/kappa-debian:$DEBIAN_SUITE-minbase-$IMAGE_BASE_REVISION"; }
kbuildah() {
  local driver=overlay
  [[ -f "$IMAGE_STORE/driver" ]] && driver="$(cat "$IMAGE_STORE/driver")"
  buildah --root "$IMAGE_STORE/root" --storage-driver "$driver" \
    --runroot "/run/kappa-operator-images-$(printf %s "$IMAGE_STORE" | cksum | cut -d' ' -f1)" "$@"
}
