#!/usr/bin/env bash
# Fetches the Kafka $KAFKA_VERSION broker and tools jars from Maven Central,
# once per machine.
source "$(dirname "$0")/lib.sh"
check_kafka_version

LIB="$(kafka_lib_dir)"
if [[ -f "$LIB/.complete" ]]; then log "Kafka $KAFKA_VERSION jars cached in $LIB"; exit 0; fi
LOGS="$KAPPA_CACHE/kafka-$KAFKA_VERSION"
mkdir -p "$LOGS"
rm -rf "$LIB.tmp"
run_step "fetch Kafka $KAFKA_VERSION jars from Maven Central" "$LOGS/maven.log" \
  mvn -B -q -f "$DEV_DIR/kafka/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -Dscala.version="$SCALA_VERSION" -Dkafka.logging="$(kafka_logging)" \
    -Dlog4j2.version="$LOG4J2_VERSION" -Dreload4j.version="$RELOAD4J_VERSION" -Dslf4j.version="$SLF4J_VERSION" \
    -DoutputDirectory="$LIB.tmp" -DincludeScope=runtime
ls "$LIB.tmp"/kafka_"$SCALA_VERSION"-"$KAFKA_VERSION".jar >/dev/null 2>&1 \
  || fail "fetch Kafka jars" "$LOGS/maven.log" "kafka_$SCALA_VERSION-$KAFKA_VERSION.jar missing after download"
rm -rf "$LIB"; mv "$LIB.tmp" "$LIB"
touch "$LIB/.complete"
log "Kafka $KAFKA_VERSION jars in $LIB"
