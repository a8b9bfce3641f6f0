#!/usr/bin/env bash
# The compatibility pass of `make test`: starts the stack afresh with the
# other supported Kafka line ($KAFKA_COMPAT_VERSION, 3.9.x) and runs the
# Kafka-facing suites against it: the operator's Kafka admin client, the
# processor's integration suite, a full rollout through the operator, and
# the rollout over SASL_SSL (SCRAM-SHA-512 on this line).
# The README's Compatibility matrix lists exactly these.
source "$(dirname "$0")/lib.sh"
KAFKA_COMPAT_TESTS='^(KafkaAdminTest|KafkaSmoke|ProcessorIntegration|ProcessorStartup|RolloutTest|StreamsRolloutTest|KafkaSaslTest)\.'

export KAFKA_VERSION="$KAFKA_COMPAT_VERSION"
"$DEV_DIR/stack-up.sh"
eval "$("$DEV_DIR/stack-status.sh" 2>/dev/null)"
export KAPPA_REQUIRE_STACK=1
log "Kafka $KAFKA_VERSION: running the Kafka-facing suites ($KAFKA_COMPAT_TESTS)"
cd "$BUILD_DIR"
if ! ctest --output-on-failure --timeout 900 -R "$KAFKA_COMPAT_TESTS"; then
  warn "tests failed on Kafka $KAFKA_VERSION; the stack's logs are in $KAPPA_STACK_DIR/logs"
  exit 1
fi
