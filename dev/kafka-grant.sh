#!/usr/bin/env bash
# kafka-grant.sh [--streams] USER NAMESPACE INPUT_TOPIC [TOPIC_PREFIX]: grants
# the SASL user USER, on the local stack's Kafka, exactly the ACLs the
# README's "Kafka ACLs" table lists for the Pipelines of NAMESPACE reading
# INPUT_TOPIC (TOPIC_PREFIX defaults to "<namespace>."); --streams adds the
# row for Kafka Streams processors. Run it with the stack's environment
# (eval "$(make -s stack-status)").
source "$(dirname "$0")/lib.sh"
streams=0
[[ "${1:-}" == --streams ]] && { streams=1; shift; }
user="${1:?usage: kafka-grant.sh [--streams] USER NAMESPACE INPUT_TOPIC [TOPIC_PREFIX]}"
ns="${2:?namespace}" input="${3:?input topic}" prefix="${4:-$2.}"
export KAFKA_VERSION="${KAPPA_KAFKA_VERSION:?eval the stack environment first}"
# The tool moved from the broker's jar to kafka-tools in 4.0.
if kafka_is_4x; then tool=org.apache.kafka.tools.AclCommand; else tool=kafka.admin.AclCommand; fi
acl() {
  "$DEV_DIR/kafka-tool.sh" "$tool" --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --add --allow-principal "User:$user" "$@" >/dev/null
}
# The input: read by the processors, its offsets and retention read by the operator.
acl --topic "$input" --operation Read --operation Describe --operation DescribeConfigs
# Each version's table and changelog: made and deleted by the operator,
# written and read back by the processors.
acl --topic "$prefix" --resource-pattern-type prefixed --operation Create --operation Delete \
  --operation Describe --operation DescribeConfigs --operation Read --operation Write
# Each version's consumer group and transactional ids (kappa.<ns>.<pipeline>.v<N>...).
acl --group "kappa.$ns." --resource-pattern-type prefixed --operation Read --operation Describe --operation Delete
acl --transactional-id "kappa.$ns." --resource-pattern-type prefixed --operation Write --operation Describe
# Kafka Streams' own repartition and changelog topics, named after the
# application id (= the group, kappa.<ns>.<pipeline>.v<N>-...): the processor
# makes, writes, reads and trims them (DeleteRecords needs Delete); the
# operator deletes them with the group.
if ((streams)); then
  acl --topic "kappa.$ns." --resource-pattern-type prefixed --operation Create --operation Delete \
    --operation Describe --operation DescribeConfigs --operation Read --operation Write
fi
log "granted User:$user what the Pipelines of namespace $ns need (input $input, tables $prefix*$( ((streams)) && echo ", Streams topics kappa.$ns.*"))"
