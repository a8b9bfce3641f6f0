#!/usr/bin/env bash
# Replay throughput (issue 6): one log of $KAPPA_BENCH_EVENTS user-activity
# events (default 10 M, 100 k users, 6 partitions, keyed by user_id) on the
# stack's broker, read from the beginning by three contenders in turn:
#   1. bare librdkafka consume loop (counts records: the upper bound),
#   2. kappa-processor --bounded, exactly-once, the user-stats view,
#   3. a Kafka Streams 3.9.1 app, exactly_once_v2, the same view.
# Each is timed as a whole process (start-up and group join included) with
# its CPU time (user + sys, all threads). Prints a markdown table.
# Needs KAFKA_BOOTSTRAP_SERVERS (eval "$(make -s stack-status)").
source "$(dirname "$0")/../../dev/lib.sh"

EVENTS="${KAPPA_BENCH_EVENTS:-10000000}"
USERS="${KAPPA_BENCH_USERS:-100000}"
PARTITIONS=6
[[ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]] || fail "replay benchmark" "" "KAFKA_BOOTSTRAP_SERVERS is unset; eval \"\$(make -s stack-status)\" first"

BIN="$BUILD_DIR/bench/processor"
SRC="$REPO_ROOT/bench/processor"
run_step "build the replay benchmark" "$BUILD_DIR/bench-processor-build.log" \
  cmake --build "$BUILD_DIR" --target replay_event_log replay_bare_loop kappa-processor

# The Streams app: rebuilt only when its sources change.
STREAMS_OUT="$BIN/streams"
streams_hash="$(cat "$SRC/streams/pom.xml" $(find "$SRC/streams/src" -type f | sort) | sha256sum | cut -c1-16)"
if [[ ! -f "$STREAMS_OUT/built-$streams_hash" ]]; then
  rm -rf "$STREAMS_OUT"; mkdir -p "$STREAMS_OUT"
  run_step "build the Kafka Streams app (Maven)" "$BIN/streams-build.log" \
    mvn -B -q -f "$SRC/streams/pom.xml" -Dbench.build.dir="$STREAMS_OUT" package dependency:build-classpath \
      -Dmdep.outputFile="$STREAMS_OUT/classpath.txt"
  touch "$STREAMS_OUT/built-$streams_hash"
fi

RUN="replay-$(date +%s)"
WORK="$BIN/runs/$RUN"
mkdir -p "$WORK"
INPUT="bench.$RUN"
KP_OUT="$INPUT.kappa"; STREAMS_OUT_TOPIC="$INPUT.streams"
BARE_GROUP="$INPUT.bare"; KP_GROUP="$INPUT.kappa"; STREAMS_APP="$INPUT.streams-app"

# KAPPA_BENCH_KEEP=1 keeps the topics and groups (to inspect the tables).
cleanup() {
  [[ "${KAPPA_BENCH_KEEP:-0}" == 1 ]] && { log "kept topics $INPUT*"; return; }
  "$BIN/replay_event_log" delete --group "$BARE_GROUP" --group "$KP_GROUP" --group "$STREAMS_APP" \
    --topic "$INPUT" --topic "$KP_OUT" --topic "$KP_OUT.state" --topic "$STREAMS_OUT_TOPIC" \
    --topic "$STREAMS_APP-user-stats-changelog" >>"$WORK/cleanup.log" 2>&1 || warn "cleanup failed: $WORK/cleanup.log"
  rm -rf "$WORK/streams-state"
}
trap cleanup EXIT

run_step "produce $EVENTS events to $INPUT" "$WORK/produce.log" \
  "$BIN/replay_event_log" produce --topic "$INPUT" --events "$EVENTS" --users "$USERS" \
    --partitions "$PARTITIONS" --table "$KP_OUT" --table "$STREAMS_OUT_TOPIC"

# measure NAME CMD...: runs CMD; its stdout goes to NAME.out, its stderr to
# NAME.log, and "wall user sys" seconds to NAME.time.
measure() {
  local name="$1"; shift
  log "running $name (log: $WORK/$name.log)"
  local TIMEFORMAT='%R %U %S'
  { time "$@" >"$WORK/$name.out" 2>"$WORK/$name.log"; } 2>"$WORK/$name.time" \
    || fail "run $name" "$WORK/$name.log" "$name failed"
}

measure bare "$BIN/replay_bare_loop" --topic "$INPUT" --group "$BARE_GROUP"

KAPPA_CONFIG='{"key": "user_id", "aggregates": {
  "total_events": {"op": "count"},
  "total_revenue": {"op": "sum", "field": "revenue"},
  "total_sessions": {"op": "count_distinct", "field": "session_id"}}}' \
KAPPA_INPUT_TOPIC="$INPUT" KAPPA_OUTPUT_TOPIC="$KP_OUT" KAPPA_CONSUMER_GROUP="$KP_GROUP" \
KAPPA_INSTANCE_ID=bench KAPPA_BOUNDED=true \
  measure kappa "$BUILD_DIR/processor/kappa-processor"
# The processor logs its count (stderr): "bounded run complete: N records processed".
sed -n 's/.*bounded run complete: \([0-9]*\) records processed.*/\1/p' "$WORK/kappa.log" >"$WORK/kappa.out"

measure streams java -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$STREAMS_OUT/streams-replay-1.jar:$(cat "$STREAMS_OUT/classpath.txt")" dev.kappa.bench.StreamsReplay \
  "$INPUT" "$STREAMS_OUT_TOPIC" "$STREAMS_APP" "$WORK/streams-state"

python3 - "$WORK" "$EVENTS" <<'PY'
import sys
work, expected = sys.argv[1], int(sys.argv[2])
names = [("bare", "bare librdkafka consume loop (upper bound)"),
         ("kappa", "kappa-processor --bounded, exactly-once"),
         ("streams", "Kafka Streams 3.9.1, exactly_once_v2")]
rows = {}
for key, label in names:
    wall, user, sys_ = (float(x) for x in open(f"{work}/{key}.time").read().split())
    out = open(f"{work}/{key}.out").read().split()
    events = int(out[-1]) if out else 0
    rows[key] = (label, events, wall, user + sys_)
bare_rate = rows["bare"][1] / rows["bare"][2]
bare_per_cpu = rows["bare"][1] / rows["bare"][3]
print(f"\n## Replay throughput: {expected:,} events, 6 partitions, one run on one broker\n")
print("| contender | events | seconds | events/s | CPU-seconds | events per CPU-second | events/s vs bare loop | per CPU-second vs bare loop |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for key, _ in names:
    label, events, wall, cpu = rows[key]
    print(f"| {label} | {events:,} | {wall:.1f} | {events / wall:,.0f} | {cpu:.1f} | {events / cpu:,.0f} "
          f"| {events / wall / bare_rate:.2f} | {events / cpu / bare_per_cpu:.2f} |")
k, s = rows["kappa"], rows["streams"]
print(f"\nkappa-processor vs Kafka Streams: {(k[1] / k[2]) / (s[1] / s[2]):.2f}x events/s, "
      f"{(k[1] / k[3]) / (s[1] / s[3]):.2f}x events per CPU-second.")
print("Seconds are whole processes (start-up, group join and the final commit included); CPU is user + sys of all threads.")
bad = [rows[key][0] for key, _ in names if rows[key][1] != expected]
if bad:
    print(f"\nWARNING: not every contender processed {expected:,} events: {', '.join(bad)}")
    sys.exit(1)
PY
