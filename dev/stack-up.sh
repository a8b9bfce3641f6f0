#!/usr/bin/env bash
# Starts the local stack on 127.0.0.1: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, the node agent and one KRaft Kafka
# broker (Kafka $KAFKA_VERSION: 4.x by default, 3.9.x on request). Every
# component is real; only the kubelet is stood in for.
# State lives in $STACK_DIR; `stack-down.sh` stops exactly what this started.
source "$(dirname "$0")/lib.sh"

check_kafka_version
if [[ -f "$STACK_DIR/env" ]] && "$DEV_DIR/stack-status.sh" --quiet; then
  if grep -qx "export KAPPA_KAFKA_VERSION=$KAFKA_VERSION" "$STACK_DIR/env"; then
    log "stack already running in $STACK_DIR (Kafka $KAFKA_VERSION)"
    exit 0
  fi
  log "the running stack has another Kafka version; starting it afresh with Kafka $KAFKA_VERSION"
fi
# A stale state dir from a crashed run: stop leftovers, start afresh.
if [[ -d "$STACK_DIR" ]]; then
  "$DEV_DIR/stack-down.sh" --quiet || true
  rm -rf "$STACK_DIR"
fi

"$DEV_DIR/build-control-plane.sh"
"$DEV_DIR/build-helm.sh"
"$DEV_DIR/fetch-kafka.sh"
NODE_AGENT="$("$DEV_DIR/build-node-agent.sh" | tail -n1)"

KBIN="$(kube_bin_dir)"
mkdir -p "$STACK_DIR"/{pids,cmd,logs,pki,etcd,kafka,pods,kcm,scheduler}
LOGS="$STACK_DIR/logs"

# From here on, any failure tears down what was started.
started_ok=0
cleanup_on_failure() { ((started_ok)) || "$DEV_DIR/stack-down.sh" --quiet || true; }
trap cleanup_on_failure EXIT

# One free port per part, picked together so that no two coincide.
FREE_PORTS=($(free_ports 9))
# pick_port NAME N: $KAPPA_<NAME>_PORT if set (and free), else free port N.
pick_port() {
  local var="KAPPA_${1}_PORT" port
  port="${!var:-}"
  if [[ -z "$port" ]]; then echo "${FREE_PORTS[$2]}"; return; fi
  if port_in_use "$port"; then
    fail "allocate ports" "" "$var=$port is already in use by another process"
  fi
  echo "$port"
}
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ETCD_PORT=$(pick_port ETCD 0); ETCD_PEER_PORT=$(pick_port ETCD_PEER 1)
API_PORT=$(pick_port API 2); KCM_PORT=$(pick_port KCM 3); SCHED_PORT=$(pick_port SCHEDULER 4)
KAFKA_PORT=$(pick_port KAFKA 5); KAFKA_CONTROLLER_PORT=$(pick_port KAFKA_CONTROLLER 6)
AGENT_PORT=$(pick_port AGENT 7); KAFKA_SASL_PORT=$(pick_port KAFKA_SASL 8)
# Each stack gets its own 8 consecutive /24s of loopback addresses for pod
# IPs (2,024 pods; the scale benchmark runs 1,000 Pipelines), from
# KAPPA_POD_IP_PREFIX onwards. The node holds KAPPA_MAX_PODS pods.
POD_IP_BLOCKS=8
POD_IP_PREFIX="127.$((RANDOM % 200 + 20)).$(( (RANDOM % 31) * 8 + 1 ))"
MAX_PODS="${KAPPA_MAX_PODS:-2000}"

# --- certificates and credentials ---------------------------------------
PKI="$STACK_DIR/pki"
run_step "make certificates" "$LOGS/pki.log" bash -c "
  set -e; cd '$PKI'
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj '/CN=kappa-local-ca' \
    -keyout ca.key -out ca.crt
  openssl req -newkey rsa:2048 -nodes -subj '/CN=kube-apiserver' \
    -keyout apiserver.key -out apiserver.csr
  printf 'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n' > san.ext
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -days 365 -extfile san.ext -out apiserver.crt
  openssl genrsa -out sa.key 2048
  openssl rsa -in sa.key -pubout -out sa.pub
"
ADMIN_TOKEN="$(openssl rand -hex 24)"
echo "$ADMIN_TOKEN,kappa-admin,kappa-admin-uid,\"system:masters\"" >"$PKI/tokens.csv"
KUBECONFIG_FILE="$STACK_DIR/kubeconfig"
cat >"$KUBECONFIG_FILE" <<KC
apiVersion: v1
kind: Config
clusters:
- name: kappa-local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: kappa-admin
  user:
    token: $ADMIN_TOKEN
contexts:
- name: kappa-local
  context: {cluster: kappa-local, user: kappa-admin, namespace: default}
current-context: kappa-local
KC
chmod 600 "$KUBECONFIG_FILE"

# --- etcd ------------------------------------------------------------------
start etcd "$KBIN/etcd" --name kappa --data-dir "$STACK_DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "kappa=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync --log-level warn
await etcd 60 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

# --- kube-apiserver --------------------------------------------------------
# Services get ClusterIPs from 10.0.0.0/16: every Pipeline has a serving
# Service, and a /24 would stop at about 250 of them.
# The audit log records every write (who, which user agent, when received
# and answered): tests prove from outside that two operator replicas never
# write at the same time. Reads are not logged (they are most requests).
cat >"$PKI/audit-policy.yaml" <<'AUDIT'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [create, update, patch, delete, deletecollection]
- level: None
AUDIT
# A short compaction interval makes old resourceVersions expire quickly, so
# watch expiry (410 Gone) can be exercised by tests. The watch cache would
# hide compaction from watchers, so it is off for ConfigMaps, the resource
# the tests use for that (the operator watches none).
start kube-apiserver "$KBIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --etcd-compaction-interval "${KAPPA_ETCD_COMPACTION_INTERVAL:-30s}" \
  --watch-cache-sizes configmaps#0 \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" --token-auth-file "$PKI/tokens.csv" \
  --authorization-mode Node,RBAC \
  --service-cluster-ip-range 10.0.0.0/16 \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$PKI/sa.pub" \
  --service-account-signing-key-file "$PKI/sa.key" \
  --cert-dir "$PKI/apiserver-generated" --profiling=false \
  --audit-policy-file "$PKI/audit-policy.yaml" --audit-log-path "$LOGS/audit.log" \
  --audit-log-format json --audit-log-mode blocking --audit-log-maxsize 200 --audit-log-maxbackup 1
await kube-apiserver 120 curl -sf --cacert "$PKI/ca.crt" \
  -H "Authorization: Bearer $ADMIN_TOKEN" "https://127.0.0.1:$API_PORT/readyz"

# --- controller-manager and scheduler --------------------------------------
# Every controller's client is limited to 20 requests/s by default. With a
# thousand Deployments made at once (make bench-scale) the deployment
# controller sat at that limit for minutes and every Pipeline waited on it;
# large clusters raise the limit the same way.
# The endpoint controllers are off: the node agent's pods have loopback
# addresses, which Endpoints and EndpointSlices refuse (422), and they
# retried every Service forever, with an Event each time (105 requests/s
# at rest with 1,000 Services, three quarters of the API server's load).
start kube-controller-manager "$KBIN/kube-controller-manager" \
  --kubeconfig "$KUBECONFIG_FILE" \
  --authentication-kubeconfig "$KUBECONFIG_FILE" --authorization-kubeconfig "$KUBECONFIG_FILE" \
  --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --cert-dir "$STACK_DIR/kcm" \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --use-service-account-credentials --leader-elect=false \
  --controllers '*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route,-endpoints-controller,-endpointslice-controller,-endpointslice-mirroring-controller' \
  --kube-api-qps 100 --kube-api-burst 200 \
  --profiling=false
start kube-scheduler "$KBIN/kube-scheduler" \
  --kubeconfig "$KUBECONFIG_FILE" \
  --authentication-kubeconfig "$KUBECONFIG_FILE" --authorization-kubeconfig "$KUBECONFIG_FILE" \
  --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --cert-dir "$STACK_DIR/scheduler" \
  --leader-elect=false --profiling=false
await kube-controller-manager 90 curl -skf "https://127.0.0.1:$KCM_PORT/healthz"
await kube-scheduler 90 curl -skf "https://127.0.0.1:$SCHED_PORT/healthz"

# --- node agent --------------------------------------------------------------
# The operator's image is the chart's default repository (any tag), so
# `helm install` runs the locally built operator in-cluster.
cat >"$STACK_DIR/images.json" <<IMG
{"images": {
  "kappa.dev/kappa-processor": "$BUILD_DIR/processor/kappa-processor",
  "ghcr.io/kappa-dev/kappa-processor": "$BUILD_DIR/processor/kappa-processor",
  "kappa.dev/kappa-idle-processor": "$BUILD_DIR/bench/scale/kappa-idle-processor",
  "ghcr.io/kappa-dev/kappa-operator": "$BUILD_DIR/operator/kappa-operator",
  "kappa.dev/streams-user-stats": "$BUILD_DIR/examples/streams-user-stats/bin/streams-user-stats",
  "kappa.dev/test-http": "/usr/bin/python3"
}}
IMG
start node-agent "$NODE_AGENT" --kubeconfig "$KUBECONFIG_FILE" \
  --node-name kappa-node-1 --image-map "$STACK_DIR/images.json" \
  --pods-dir "$STACK_DIR/pods" --ip-prefix "$POD_IP_PREFIX" --ip-blocks "$POD_IP_BLOCKS" \
  --max-pods "$MAX_PODS" --healthz-port "$AGENT_PORT"
KUBECTL=("$KBIN/kubectl" --kubeconfig "$KUBECONFIG_FILE")
await node-agent 60 "${KUBECTL[@]}" wait --for=condition=Ready node/kappa-node-1 --timeout=2s

# --- Kafka (KRaft; PLAINTEXT and a SASL_SSL listener with ACLs) -------------
"$DEV_DIR/stack-kafka.sh" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_SASL_PORT"

# --- environment for users and tests ----------------------------------------
cat >"$STACK_DIR/env" <<ENV
export KUBECONFIG=$KUBECONFIG_FILE
export PATH=$KBIN:$(helm_bin_dir):\$PATH
export KAPPA_STACK_DIR=$STACK_DIR
export KAPPA_API_SERVER=https://127.0.0.1:$API_PORT
export KAPPA_ETCD_ENDPOINT=http://127.0.0.1:$ETCD_PORT
export KAPPA_POD_IP_PREFIX=$POD_IP_PREFIX
export KAPPA_POD_IP_BLOCKS=$POD_IP_BLOCKS
export KAPPA_AUDIT_LOG=$LOGS/audit.log
ENV
cat "$STACK_DIR/kafka/env" >>"$STACK_DIR/env"
started_ok=1
log "local stack is up ($STACK_DIR); use it with:  eval \"\$(make -s stack-status)\""
