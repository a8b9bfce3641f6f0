#!/usr/bin/env bash
# Replay throughput (issue 6): one log of $KAPPA_BENCH_EVENTS user-activity
# events (default 10 M, 100 k users, 6 partitions, keyed by user_id) on the
# stack's broker, read from the beginning by these contenders:
#   1. a bare librdkafka consume loop (counts records): the upper bound, on
#      jemalloc (kappa-processor's allocator) and on glibc malloc;
#   2. kappa-processor --bounded, exactly-once, the user-stats view (the
#      keyed fast path), and the same view written as SQL;
#   3. kappa-processor --bounded with KAPPA_INPUT_KEYING=Any over the same
#      keyed log: every record routed through the repartition topic first;
#   4. a Kafka Streams 3.9.1 app, exactly_once_v2, the same view
#      (KAPPA_BENCH_STREAMS=0 leaves it out).
# The first three run $KAPPA_BENCH_ROUNDS times (default 5), interleaved, and
# the median run counts (a shared machine's speed drifts within minutes);
# Kafka Streams runs once (it takes minutes). Each run is timed as a whole
# process (start-up and group join included) with its CPU time (user + sys,
# all threads). Prints a markdown table.
# Needs KAFKA_BOOTSTRAP_SERVERS (eval "$(make -s stack-status)").
source "$(dirname "$0")/../../dev/lib.sh"

EVENTS="${KAPPA_BENCH_EVENTS:-10000000}"
USERS="${KAPPA_BENCH_USERS:-100000}"
PARTITIONS=6
ROUNDS="${KAPPA_BENCH_ROUNDS:-5}"
STREAMS="${KAPPA_BENCH_STREAMS:-1}"
[[ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]] || fail "replay benchmark" "" "KAFKA_BOOTSTRAP_SERVERS is unset; eval \"\$(make -s stack-status)\" first"

BIN="$BUILD_DIR/bench/processor"
SRC="$REPO_ROOT/bench/processor"
run_step "build the replay benchmark" "$BUILD_DIR/bench-processor-build.log" \
  cmake --build "$BUILD_DIR" --target replay_event_log replay_bare_loop replay_bare_loop_jemalloc kappa-processor

# The Streams app: rebuilt only when its sources change.
STREAMS_OUT="$BIN/streams"
[[ "$STREAMS" == 1 ]] && {
streams_hash="$(cat "$SRC/streams/pom.xml" $(find "$SRC/streams/src" -type f | sort) | sha256sum | cut -c1-16)"
if [[ ! -f "$STREAMS_OUT/built-$streams_hash" ]]; then
  rm -rf "$STREAMS_OUT"; mkdir -p "$STREAMS_OUT"
  run_step "build the Kafka Streams app (Maven)" "$BIN/streams-build.log" \
    mvn -B -q -f "$SRC/streams/pom.xml" -Dbench.build.dir="$STREAMS_OUT" package dependency:build-classpath \
      -Dmdep.outputFile="$STREAMS_OUT/classpath.txt"
  touch "$STREAMS_OUT/built-$streams_hash"
fi
}

RUN="replay-$(date +%s)"
WORK="$BIN/runs/$RUN"
mkdir -p "$WORK"
INPUT="bench.$RUN"
KP_OUT="$INPUT.kappa"; STREAMS_OUT_TOPIC="$INPUT.streams"
STREAMS_APP="$INPUT.streams-app"
KP_TABLES=() BENCH_GROUPS=() TOPICS=()
for round in $(seq 1 "$ROUNDS"); do
  for kind in "" .sql .any; do
    KP_TABLES+=(--table "$KP_OUT$kind.$round")
    BENCH_GROUPS+=(--group "$KP_OUT$kind.$round")
    TOPICS+=(--topic "$KP_OUT$kind.$round" --topic "$KP_OUT$kind.$round.state")
  done
  BENCH_GROUPS+=(--group "$INPUT.bare.$round" --group "$INPUT.bare-glibc.$round")
  TOPICS+=(--topic "$KP_OUT.any.$round-kappa-repartition")  # the group's, named from it
done

# KAPPA_BENCH_KEEP=1 keeps the topics and groups (to inspect the tables).
cleanup() {
  [[ "${KAPPA_BENCH_KEEP:-0}" == 1 ]] && { log "kept topics $INPUT*"; return; }
  "$BIN/replay_event_log" delete "${BENCH_GROUPS[@]}" --group "$STREAMS_APP" \
    --topic "$INPUT" "${TOPICS[@]}" --topic "$STREAMS_OUT_TOPIC" \
    --topic "$STREAMS_APP-user-stats-changelog" >>"$WORK/cleanup.log" 2>&1 || warn "cleanup failed: $WORK/cleanup.log"
  rm -rf "$WORK/streams-state"
}
trap cleanup EXIT

run_step "produce $EVENTS events to $INPUT" "$WORK/produce.log" \
  "$BIN/replay_event_log" produce --topic "$INPUT" --events "$EVENTS" --users "$USERS" \
    --partitions "$PARTITIONS" "${KP_TABLES[@]}" --table "$STREAMS_OUT_TOPIC"

# measure NAME CMD...: runs CMD; its stdout goes to NAME.out, its stderr to
# NAME.log, and "wall user sys" seconds to NAME.time.
measure() {
  local name="$1"; shift
  log "running $name (log: $WORK/$name.log)"
  local TIMEFORMAT='%R %U %S'
  { time "$@" >"$WORK/$name.out" 2>"$WORK/$name.log"; } 2>"$WORK/$name.time" \
    || fail "run $name" "$WORK/$name.log" "$name failed"
}

KAPPA_VIEW='{"key": "user_id", "aggregates": {
  "total_events": {"op": "count"},
  "total_revenue": {"op": "sum", "field": "revenue"},
  "total_sessions": {"op": "count_distinct", "field": "session_id"}}}'
# The same view as SQL (SUM compiles to an optional sum: every event of the
# log has a revenue, so the rows are the same).
KAPPA_SQL_VIEW='{"sql": "SELECT user_id, COUNT(*) AS total_events, SUM(revenue) AS total_revenue, COUNT(DISTINCT session_id) AS total_sessions FROM events GROUP BY user_id"}'
for round in $(seq 1 "$ROUNDS"); do
  measure "bare.$round" "$BIN/replay_bare_loop_jemalloc" --topic "$INPUT" --group "$INPUT.bare.$round"
  measure "bare-glibc.$round" "$BIN/replay_bare_loop" --topic "$INPUT" --group "$INPUT.bare-glibc.$round"
  for name in kappa kappa.sql kappa.any; do
    case "$name" in
      kappa) view="$KAPPA_VIEW"; keying=ViewKey ;;
      kappa.sql) view="$KAPPA_SQL_VIEW"; keying=ViewKey ;;
      kappa.any) view="$KAPPA_VIEW"; keying=Any ;;
    esac
    kind="${name#kappa}"
    KAPPA_CONFIG="$view" KAPPA_INPUT_KEYING="$keying" KAPPA_INPUT_TOPIC="$INPUT" \
    KAPPA_OUTPUT_TOPIC="$KP_OUT$kind.$round" KAPPA_CONSUMER_GROUP="$KP_OUT$kind.$round" KAPPA_INSTANCE_ID=bench \
    KAPPA_BOUNDED=true measure "$name.$round" "$BUILD_DIR/processor/kappa-processor"
    # The processor logs its count (stderr): "bounded run complete: N records processed".
    sed -n 's/.*bounded run complete: \([0-9]*\) records processed.*/\1/p' "$WORK/$name.$round.log" >"$WORK/$name.$round.out"
  done
done

[[ "$STREAMS" == 1 ]] && measure streams.1 java -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$STREAMS_OUT/streams-replay-1.jar:$(cat "$STREAMS_OUT/classpath.txt")" dev.kappa.bench.StreamsReplay \
  "$INPUT" "$STREAMS_OUT_TOPIC" "$STREAMS_APP" "$WORK/streams-state"

python3 - "$WORK" "$EVENTS" "$ROUNDS" "$STREAMS" <<'PY'
import statistics, sys
work, expected, rounds, streams = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
names = [("bare", "bare librdkafka consume loop, jemalloc (upper bound)", rounds),
         ("bare-glibc", "bare librdkafka consume loop, glibc malloc", rounds),
         ("kappa", "kappa-processor --bounded, exactly-once (jemalloc): JSON view, keyed fast path", rounds),
         ("kappa.sql", "kappa-processor --bounded: the same view as SQL", rounds),
         ("kappa.any", "kappa-processor --bounded, KAPPA_INPUT_KEYING=Any: through the repartition topic", rounds)]
if streams:
    names.append(("streams", "Kafka Streams 3.9.1, exactly_once_v2", 1))
rows, bad = {}, []
for key, label, runs in names:
    measured = []
    for r in range(1, runs + 1):
        wall, user, sys_ = (float(x) for x in open(f"{work}/{key}.{r}.time").read().split())
        out = open(f"{work}/{key}.{r}.out").read().split()
        events = int(out[-1]) if out else 0
        if events != expected:
            bad.append(f"{label} (run {r}: {events:,})")
        measured.append((wall, user + sys_))
    median = sorted(measured)[len(measured) // 2]  # by wall time
    walls = [m[0] for m in measured]
    rows[key] = (label, runs, median[0], median[1], min(walls), max(walls))
n = expected
bare_rate, bare_per_cpu = n / rows["bare"][2], n / rows["bare"][3]
print(f"\n## Replay throughput: {n:,} events, 6 partitions, one broker; median of {rounds} interleaved runs\n")
print("| contender | runs | seconds (median) | range | events/s | CPU-seconds | events per CPU-second "
      "| events/s vs bare loop | per CPU-second vs bare loop |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for key, _, _ in names:
    label, runs, wall, cpu, low, high = rows[key]
    print(f"| {label} | {runs} | {wall:.1f} | {low:.1f}–{high:.1f} | {n / wall:,.0f} | {cpu:.1f} | {n / cpu:,.0f} "
          f"| {n / wall / bare_rate:.2f} | {n / cpu / bare_per_cpu:.2f} |")
k, g = rows["kappa"], rows["bare-glibc"]
if streams:
    s = rows["streams"]
    print(f"\nkappa-processor vs Kafka Streams: {s[2] / k[2]:.2f}x events/s, {s[3] / k[3]:.2f}x events per CPU-second.")
print(f"kappa-processor vs the bare loop on glibc malloc: {g[2] / k[2]:.2f}x events/s.")
for key in ("kappa.sql", "kappa.any"):
    o = rows[key]
    print(f"{o[0]}: {k[2] / o[2]:.2f}x the keyed JSON view's events/s, {k[3] / o[3]:.2f}x its events per CPU-second.")
print("Seconds are whole processes (start-up, group join and the final commit included); CPU is user + sys of all threads.")
if bad:
    print(f"\nWARNING: not every run processed {n:,} events: {', '.join(bad)}")
    sys.exit(1)
PY
