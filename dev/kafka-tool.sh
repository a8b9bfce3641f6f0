#!/usr/bin/env bash
# kafka-tool.sh CLASS ARGS...: runs one of Kafka's command-line tools, given
# by its Java class (org.apache.kafka.tools.TopicCommand, ...AclCommand), from
# the jars of the Kafka line the running stack uses, logging only warnings
# (to stderr). Needs the stack's environment
# (eval "$(make -s stack-status)").
source "$(dirname "$0")/lib.sh"
export KAFKA_VERSION="${KAPPA_KAFKA_VERSION:?KAPPA_KAFKA_VERSION unset: eval the stack environment first}"
class="${1:?usage: kafka-tool.sh CLASS ARGS...}"
shift
if [[ "$(kafka_logging)" == log4j2 ]]; then
  logging="-Dlog4j2.configurationFile=file:$DEV_DIR/kafka/tools-log4j2.properties"
else
  logging="-Dlog4j.configuration=file:$DEV_DIR/kafka/tools-log4j.properties"
fi
exec java "$logging" -cp "$(kafka_lib_dir)/*" "$class" "$@"
