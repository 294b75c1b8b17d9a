# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# The control plane of the test cluster, set up as kubeadm would: etcd, kube-apiserver
# (Node,RBAC authorization, NodeRestriction, a kubelet client certificate so that `kubectl
# logs` reaches the kubelets), kube-controller-manager, kube-scheduler; then CoreDNS and
# kube-proxy. All of them run in the cluster's network namespace (the control-plane node's
# kubelet is started with the workers', by cluster/lib/nodes.sh). Sourced by cluster/lib/cluster.sh.

start_etcd() {
  start_bg etcd in_net "$BIN_k8s/etcd" --name="$CLUSTER_NAME" --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \
    --initial-cluster="$CLUSTER_NAME=http://127.0.0.1:2380" --unsafe-no-fsync=true
  wait_for 60 etcd in_net curl -fsS "http://127.0.0.1:$ETCD_PORT/health" || { assert_alive etcd; die "etcd not healthy after 60s"; }
}

start_apiserver() {
  local d=$STATE/pki
  start_bg kube-apiserver in_net "$BIN_k8s/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address="$API_ADDR" --advertise-address="$API_ADDR" --secure-port="$API_PORT" \
    --tls-cert-file="$d/apiserver.crt" --tls-private-key-file="$d/apiserver.key" --client-ca-file="$d/ca.crt" \
    --kubelet-client-certificate="$d/apiserver-kubelet-client.crt" --kubelet-client-key="$d/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --requestheader-client-ca-file="$d/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$d/front-proxy-client.crt" --proxy-client-key-file="$d/front-proxy-client.key" \
    --service-account-key-file="$d/sa.pub" --service-account-signing-key-file="$d/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --authorization-mode=Node,RBAC --anonymous-auth=false \
    --enable-admission-plugins=NodeRestriction \
    --service-cluster-ip-range="$SERVICE_CIDR"
  wait_for 120 kube-apiserver kubectl get --raw=/readyz \
    || { assert_alive kube-apiserver; tail -n 30 "$STATE/logs/kube-apiserver.log" >&2; die "kube-apiserver not ready after 120s"; }
}

start_controllers() {
  local d=$STATE/pki k=$STATE/kubeconfig
  start_bg kube-controller-manager in_net "$BIN_k8s/kube-controller-manager" \
    --kubeconfig="$k/controller-manager" --authentication-kubeconfig="$k/controller-manager" \
    --authorization-kubeconfig="$k/controller-manager" \
    --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$d/sa.key" --root-ca-file="$d/ca.crt" \
    --cluster-signing-cert-file="$d/ca.crt" --cluster-signing-key-file="$d/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --controllers='*' \
    --node-monitor-grace-period=20s
  start_bg kube-scheduler in_net "$BIN_k8s/kube-scheduler" \
    --kubeconfig="$k/scheduler" --authentication-kubeconfig="$k/scheduler" \
    --authorization-kubeconfig="$k/scheduler" --bind-address=127.0.0.1 --leader-elect=false
  wait_for 60 kube-controller-manager in_net curl -fsSk https://127.0.0.1:10257/healthz \
    || { assert_alive kube-controller-manager; die "kube-controller-manager not healthy after 60s"; }
  wait_for 60 kube-scheduler in_net curl -fsSk https://127.0.0.1:10259/healthz \
    || { assert_alive kube-scheduler; die "kube-scheduler not healthy after 60s"; }
}

# start_coredns: CoreDNS serves cluster.local from the API server on $DNS_ADDR, the kubelets'
# clusterDNS. Nothing is forwarded: there is no upstream here, other names get NXDOMAIN.
start_coredns() {
  kubectl apply -f "$CLUSTER_DIR/lib/coredns-rbac.yaml" >/dev/null
  sed -e "s#@DNS_ADDR@#$DNS_ADDR#g" -e "s#@KUBECONFIG@#$STATE/kubeconfig/coredns#g" \
    "$CLUSTER_DIR/lib/Corefile.in" >"$STATE/Corefile"
  start_bg coredns in_net "$BIN_node/coredns" -conf "$STATE/Corefile"
  wait_for 60 "CoreDNS on $DNS_ADDR:53" bash -c "exec 3<>/dev/tcp/$DNS_ADDR/53" \
    || { assert_alive coredns; die "CoreDNS not listening after 60s"; }
}

# start_kube_proxy: one kube-proxy in iptables mode programs the Services into the cluster's
# one network namespace (the nodes share it, so one instance serves them all).
start_kube_proxy() {
  sed -e "s#@KUBECONFIG@#$STATE/kubeconfig/kube-proxy#g" -e "s#@POD_CIDR@#$POD_CIDR#g" \
    -e "s#@NODE@#${WORKERS[0]}#g" -e "s#@ADDR@#$(node_addr "${WORKERS[0]}")#g" \
    "$CLUSTER_DIR/lib/kube-proxy.yaml.in" >"$STATE/kube-proxy.yaml"
  start_bg kube-proxy in_net "$BIN_k8s/kube-proxy" --config="$STATE/kube-proxy.yaml"
  wait_for 60 kube-proxy curl -fsS "http://$(node_addr "${WORKERS[0]}"):10256/healthz" \
    || { assert_alive kube-proxy; log "  kube-proxy is not healthy after 60s (log: $STATE/logs/kube-proxy.log)"; return 1; }
}

start_control_plane() {
  start_etcd
  start_apiserver
  log "  kube-apiserver ready on https://$API_ADDR:$API_PORT"
  start_controllers
  start_coredns
  log "  controllers, scheduler and CoreDNS ready"
}
