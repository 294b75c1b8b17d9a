# Start and wait phases of cluster/test-cluster.sh: certificates, etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok and its Node objects, all on 127.0.0.1.
# Sourced by test-cluster.sh; expects WORK (fresh per run), the BIN_* folders and the helpers.

SERVICE_CIDR=10.96.0.0/16   # allocated by the API server only: no traffic goes there
PIDS=()

# free_port: a TCP port nobody listens on, not handed out earlier in this run.
USED_PORTS=" "
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 20000 ))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    if [[ -z "$(ss -Hltn "( sport = :$p )" 2>/dev/null)" ]]; then
      USED_PORTS+="$p "
      echo "$p"
      return 0
    fi
  done
  die "no free TCP port found on 127.0.0.1"
}

# start_proc NAME CMD...: runs CMD in the background, output in $WORK/logs/NAME.log.
start_proc() {
  local name=$1; shift
  "$@" >"$WORK/logs/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid:$name")
  log "  started $name (pid $pid, log $WORK/logs/$name.log)"
}

# stop_proc NAME: stops one process started by start_proc (TERM, then KILL after 10 s).
stop_proc() {
  local want=$1 entry rest=()
  for entry in "${PIDS[@]}"; do
    if [[ "${entry#*:}" == "$want" ]]; then
      kill_pid "${entry%%:*}" "$want"
    else
      rest+=("$entry")
    fi
  done
  PIDS=("${rest[@]}")
}

kill_pid() {
  local pid=$1 name=$2
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.5
  done
  log "  $name (pid $pid) did not stop on TERM; killing"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# stop_all: stops every process this run started, newest first.
stop_all() {
  local i entry
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
    entry=${PIDS[$i]}
    kill_pid "${entry%%:*}" "${entry#*:}"
  done
  PIDS=()
}

# assert_alive NAME: fails with the end of NAME's log if the process has exited.
assert_alive() {
  local want=$1 entry
  for entry in "${PIDS[@]}"; do
    if [[ "${entry#*:}" == "$want" ]] && ! kill -0 "${entry%%:*}" 2>/dev/null; then
      tail -n 30 "$WORK/logs/$want.log" >&2
      die "$want exited early; end of its log above"
    fi
  done
}

# wait_for TIMEOUT_S DESCRIPTION CMD...: polls CMD every second until it succeeds.
wait_for() {
  local timeout=$1 what=$2; shift 2
  local start; start=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) - start >= timeout )); then
      return 1
    fi
    sleep 1
  done
}

make_certs() {
  local d=$WORK/pki
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mehdb-test-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  # API server serving certificate.
  printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >"$d/apiserver.ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$d/apiserver.key" -out "$d/apiserver.csr" 2>/dev/null
  openssl x509 -req -in "$d/apiserver.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/apiserver.ext" -out "$d/apiserver.crt" 2>/dev/null
  # Client identities: each component as a real cluster has it.
  client_cert admin kubernetes-admin system:masters
  client_cert controller-manager system:kube-controller-manager ""
  client_cert scheduler system:kube-scheduler ""
  client_cert kwok kwok system:masters
  client_cert provisioner nfs-provisioner system:masters
  # Front-proxy (aggregation layer) CA and client, so that components can authenticate
  # requests forwarded by the API server, as in a kubeadm cluster.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mehdb-test-front-proxy-ca" \
    -keyout "$d/front-proxy-ca.key" -out "$d/front-proxy-ca.crt" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$d/client.ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=front-proxy-client" \
    -keyout "$d/front-proxy-client.key" -out "$d/front-proxy-client.csr" 2>/dev/null
  openssl x509 -req -in "$d/front-proxy-client.csr" -CA "$d/front-proxy-ca.crt" -CAkey "$d/front-proxy-ca.key" \
    -CAcreateserial -days 2 -extfile "$d/client.ext" -out "$d/front-proxy-client.crt" 2>/dev/null
  # Service-account token signing key pair.
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
}

# client_cert NAME CN ORG: a client certificate and NAME.kubeconfig for it.
client_cert() {
  local name=$1 cn=$2 org=$3 d=$WORK/pki
  printf 'extendedKeyUsage=clientAuth\n' >"$d/client.ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn${org:+/O=$org}" -keyout "$d/$name.key" -out "$d/$name.csr" 2>/dev/null
  openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/client.ext" -out "$d/$name.crt" 2>/dev/null
  write_kubeconfig "$name"
}

write_kubeconfig() {
  local name=$1 d=$WORK/pki
  cat >"$WORK/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mehdb-test
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $d/ca.crt
users:
- name: $name
  user:
    client-certificate: $d/$name.crt
    client-key: $d/$name.key
contexts:
- name: $name@mehdb-test
  context: {cluster: mehdb-test, user: $name}
current-context: $name@mehdb-test
EOF
}

start_control_plane() {
  ETCD_PORT=$(free_port); ETCD_PEER_PORT=$(free_port); APISERVER_PORT=$(free_port)
  KCM_PORT=$(free_port); SCHED_PORT=$(free_port); KWOK_PORT=$(free_port)
  mkdir -p "$WORK/logs" "$WORK/etcd"
  log "certificates and kubeconfigs in $WORK"
  make_certs
  export KUBECONFIG=$WORK/admin.kubeconfig

  start_proc etcd "$BIN_k8s/etcd" --name=mehdb-test --data-dir="$WORK/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="mehdb-test=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync=true
  wait_for 60 etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/health" || { assert_alive etcd; die "etcd not healthy after 60s"; }
  log "  etcd healthy on 127.0.0.1:$ETCD_PORT"

  local d=$WORK/pki
  start_proc kube-apiserver "$BIN_k8s/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --tls-cert-file="$d/apiserver.crt" --tls-private-key-file="$d/apiserver.key" \
    --client-ca-file="$d/ca.crt" \
    --requestheader-client-ca-file="$d/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$d/front-proxy-client.crt" --proxy-client-key-file="$d/front-proxy-client.key" \
    --service-account-key-file="$d/sa.pub" --service-account-signing-key-file="$d/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --authorization-mode=Node,RBAC --anonymous-auth=false \
    --enable-admission-plugins=NodeRestriction \
    --allow-privileged=true \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --endpoint-reconciler-type=none
  wait_for 120 kube-apiserver kubectl get --raw=/readyz || { assert_alive kube-apiserver; tail -n 30 "$WORK/logs/kube-apiserver.log" >&2; die "kube-apiserver not ready after 120s"; }
  log "  kube-apiserver ready on https://127.0.0.1:$APISERVER_PORT"

  start_proc kube-controller-manager "$BIN_k8s/kube-controller-manager" \
    --kubeconfig="$WORK/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$WORK/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$WORK/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$d/sa.key" --root-ca-file="$d/ca.crt" \
    --cluster-signing-cert-file="$d/ca.crt" --cluster-signing-key-file="$d/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --controllers='*'
  start_proc kube-scheduler "$BIN_k8s/kube-scheduler" \
    --kubeconfig="$WORK/scheduler.kubeconfig" \
    --authentication-kubeconfig="$WORK/scheduler.kubeconfig" \
    --authorization-kubeconfig="$WORK/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --leader-elect=false
  wait_for 60 kube-controller-manager curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz" \
    || { assert_alive kube-controller-manager; die "kube-controller-manager not healthy after 60s"; }
  wait_for 60 kube-scheduler curl -fsSk "https://127.0.0.1:$SCHED_PORT/healthz" \
    || { assert_alive kube-scheduler; die "kube-scheduler not healthy after 60s"; }
  log "  kube-controller-manager and kube-scheduler healthy"

  "$BIN_kwok/kwok-stages" >"$WORK/kwok-stages.yaml"
  start_proc kwok "$BIN_kwok/kwok" --kubeconfig="$WORK/kwok.kubeconfig" --config="$WORK/kwok-stages.yaml" \
    --manage-all-nodes=true --server-address="127.0.0.1:$KWOK_PORT" --node-ip=127.0.0.1 \
    --node-lease-duration-seconds=40
}

# create_node NAME ROLE: a simulated node; ROLE is control-plane or worker.
create_node() {
  local name=$1 role=$2 extra_labels="" taints="[]"
  if [[ $role == control-plane ]]; then
    extra_labels='"node-role.kubernetes.io/control-plane": "",'
    taints='[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]'
  fi
  kubectl apply --server-side --field-manager=mehdb-test-cluster -f - >/dev/null <<EOF
{"apiVersion": "v1", "kind": "Node",
 "metadata": {"name": "$name",
   "annotations": {"kwok.x-k8s.io/node": "fake"},
   "labels": {$extra_labels "kubernetes.io/hostname": "$name", "kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64", "type": "kwok"}},
 "spec": {"taints": $taints}}
EOF
}

node_ready() { [[ "$(kubectl get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]; }
default_sa_exists() { kubectl get serviceaccount default -n default; }

start_nodes() {
  log "nodes: master (control-plane, tainted), worker-1, worker-2"
  create_node master control-plane
  create_node worker-1 worker
  create_node worker-2 worker
  local n
  for n in master worker-1 worker-2; do
    wait_for 60 "node $n" node_ready "$n" || { assert_alive kwok; die "node $n not Ready after 60s (kwok log: $WORK/logs/kwok.log)"; }
  done
  wait_for 60 "default ServiceAccount" default_sa_exists || die "ServiceAccount default/default not created after 60s"
  log "  3 nodes Ready"
}
