#!/usr/bin/env bash
# stack-kafka.sh PORT CONTROLLER_PORT SASL_SSL_PORT: the local stack's Kafka
# (KRaft, broker and controller in one process, $KAFKA_VERSION), run by
# stack-up.sh. Two client listeners on 127.0.0.1:
# - PLAINTEXT on PORT: no authentication; its clients are User:ANONYMOUS,
#   a super user, so tests and tools need no credentials;
# - SASL_SSL on SASL_SSL_PORT: TLS with a certificate from a CA made here,
#   SCRAM-SHA-512 and PLAIN users (the same two, same passwords), and ACLs
#   enforced (StandardAuthorizer). librdkafka before 2.6.1 (Debian 12 has
#   2.0.2) sends a SCRAM proof that Kafka 4.x refuses (confluentinc/
#   librdkafka#4895), so its clients use SCRAM on 3.9 and PLAIN over TLS
#   on 4.x: KAPPA_KAFKA_SASL_MECHANISM says which.
# Users: kappa-admin (a super user) and kappa-tenant (nothing until ACLs
# grant it something), with random passwords. Writes the environment
# lines for clients to $STACK_DIR/kafka/env.
source "$(dirname "$0")/lib.sh"
PORT="$1" CONTROLLER_PORT="$2" SASL_PORT="$3"
KDIR="$STACK_DIR/kafka"
LOGS="$STACK_DIR/logs"
mkdir -p "$KDIR/tls"

# --- a CA and the broker's certificate (PEM; Kafka reads PEM key stores) ----
run_step "make Kafka TLS certificates" "$LOGS/kafka-tls.log" bash -c "
  set -e; cd '$KDIR/tls'
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj '/CN=kappa-kafka-ca' -keyout ca.key -out ca.crt
  openssl req -newkey rsa:2048 -nodes -subj '/CN=kafka-broker' -keyout broker.key -out broker.csr
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > san.ext
  openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile san.ext -out broker.crt
  cat broker.key broker.crt > broker.pem
  chmod 600 ca.key broker.key broker.pem
"
ADMIN_PASSWORD="$(openssl rand -hex 16)"
TENANT_PASSWORD="$(openssl rand -hex 16)"

cat >"$KDIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,SASL_SSL://127.0.0.1:$SASL_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT,SASL_SSL://127.0.0.1:$SASL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_kappa-admin="$ADMIN_PASSWORD" user_kappa-tenant="$TENANT_PASSWORD";
ssl.keystore.type=PEM
ssl.keystore.location=$KDIR/tls/broker.pem
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS;User:kappa-admin
log.dirs=$KDIR/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
log.retention.check.interval.ms=5000
log.segment.delete.delay.ms=1000
PROPS
if kafka_is_4x; then  # 4.x: share groups' state topic on one broker
  printf '%s\n' share.coordinator.state.topic.replication.factor=1 share.coordinator.state.topic.min.isr=1 \
    >>"$KDIR/server.properties"
fi

KAFKA_CP="$(kafka_lib_dir)/*"
JAVA_OPTS=(-Xmx512m -XX:+UseG1GC "$(kafka_log_config_opt)")
CLUSTER_ID="$(java -cp "$KAFKA_CP" kafka.tools.StorageTool random-uuid 2>"$LOGS/kafka-format.log")" \
  || fail "format Kafka storage" "$LOGS/kafka-format.log" "StorageTool random-uuid failed"
# The SCRAM credentials go into the cluster's first metadata, so they exist
# before the first client connects.
run_step "format Kafka storage" "$LOGS/kafka-format.log" \
  java "${JAVA_OPTS[@]}" -cp "$KAFKA_CP" kafka.tools.StorageTool format \
    -t "$CLUSTER_ID" -c "$KDIR/server.properties" \
    --add-scram "SCRAM-SHA-512=[name=kappa-admin,password=$ADMIN_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=kappa-tenant,password=$TENANT_PASSWORD]"
start kafka java "${JAVA_OPTS[@]}" -cp "$KAFKA_CP" kafka.Kafka "$KDIR/server.properties"
await kafka 120 kcat -b "127.0.0.1:$PORT" -L -m 2

cat >"$KDIR/env" <<ENV
export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$PORT
export KAPPA_KAFKA_VERSION=$KAFKA_VERSION
export KAPPA_KAFKA_LIBS=$(kafka_lib_dir)
export KAPPA_KAFKA_SASL_BOOTSTRAP=127.0.0.1:$SASL_PORT
export KAPPA_KAFKA_CA=$KDIR/tls/ca.crt
export KAPPA_KAFKA_SASL_MECHANISM=$(kafka_is_4x && echo PLAIN || echo SCRAM-SHA-512)
export KAPPA_KAFKA_ADMIN_USER=kappa-admin
export KAPPA_KAFKA_ADMIN_PASSWORD=$ADMIN_PASSWORD
export KAPPA_KAFKA_TENANT_USER=kappa-tenant
export KAPPA_KAFKA_TENANT_PASSWORD=$TENANT_PASSWORD
ENV
