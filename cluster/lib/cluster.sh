# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# The test cluster's start, stop and status, shared by `npm run cluster:up|down|status` and
# `npm run test:cluster`. One cluster runs on a machine at a time; its state folder is
# $MEHDB_CLUSTER_STATE (default /var/tmp/mehdb-cluster). Sourced by the scripts in cluster/.

CLUSTER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$CLUSTER_DIR/.." && pwd)
CACHE_ROOT=${MEHDB_CLUSTER_CACHE:-/var/cache/mehdb-cluster}
STATE=${MEHDB_CLUSTER_STATE:-/var/tmp/mehdb-cluster}
MANIFESTS=${MEHDB_CLUSTER_MANIFESTS:-$REPO_DIR/dist}
export KUBECONFIG=$STATE/kubeconfig/admin

# shellcheck source=scripts/lib/common.sh
source "$REPO_DIR/scripts/lib/common.sh"
# shellcheck source=cluster/lib/env.sh
source "$CLUSTER_DIR/lib/env.sh"
# shellcheck source=cluster/lib/procs.sh
source "$CLUSTER_DIR/lib/procs.sh"
# shellcheck source=cluster/lib/build.sh
source "$CLUSTER_DIR/lib/build.sh"
# shellcheck source=cluster/lib/build-provisioner.sh
source "$CLUSTER_DIR/lib/build-provisioner.sh"
# shellcheck source=cluster/lib/pki.sh
source "$CLUSTER_DIR/lib/pki.sh"
# shellcheck source=cluster/lib/network.sh
source "$CLUSTER_DIR/lib/network.sh"
# shellcheck source=cluster/lib/control-plane.sh
source "$CLUSTER_DIR/lib/control-plane.sh"
# shellcheck source=cluster/lib/images.sh
source "$CLUSTER_DIR/lib/images.sh"
# shellcheck source=cluster/lib/nodes.sh
source "$CLUSTER_DIR/lib/nodes.sh"
# shellcheck source=cluster/lib/nfs.sh
source "$CLUSTER_DIR/lib/nfs.sh"
# shellcheck source=cluster/lib/teardown.sh
source "$CLUSTER_DIR/lib/teardown.sh"

# ensure_packages: the Debian packages the cluster needs, installed when missing.
ensure_packages() {
  have kubectl || die "kubectl is not on PATH"
  apt_ensure openssl curl jq iproute2 iptables util-linux runc containernetworking-plugins \
    nfs-ganesha nfs-ganesha-vfs rpcbind nfs-common dbus libnfs-utils docker-registry skopeo
}

# cluster_running: the holder of a cluster started from $STATE is alive.
cluster_running() { [[ -f $STATE/holder.pid ]] && kill -0 "$(holder_pid)" 2>/dev/null; }

# cluster_up: builds what is missing, then starts the control plane, CoreDNS, kube-proxy, the
# real nodes with the images loaded, and the NFS provisioner of the manifests' Deployment.
cluster_up() {
  local t
  if cluster_running; then die "a cluster already runs from $STATE: npm run cluster:down first"; fi
  [[ -e $STATE ]] && { log "cleaning up what an earlier run left in $STATE"; cluster_down; }
  step "packages"
  ensure_packages
  step "build (Kubernetes $K8S_VERSION, containerd $CONTAINERD_VERSION, CoreDNS $COREDNS_VERSION; cache $CACHE_ROOT)"
  t=$(date +%s)
  build_all
  log "build phase: $(( $(date +%s) - t ))s (NFS provisioner: $NFS_PROVISIONER_KIND)"
  mkdir -p "$STATE/logs"
  declare -p BIN_k8s BIN_kwok BIN_node BIN_pause NFS_PROVISIONER_BIN NFS_PROVISIONER_KIND >"$STATE/bins"
  step "images"
  prepare_images
  step "start (state folder $STATE)"
  t=$(date +%s)
  echo "$NFS_PROVISIONER_KIND" >"$STATE/provisioner-kind"
  make_pki
  start_holder
  setup_network
  start_control_plane
  start_registry
  start_nodes
  # kube-proxy waits for its Node object before it serves.
  start_kube_proxy || log "  going on without kube-proxy: ClusterIP Services will not answer"
  step "NFS provisioner of $MANIFESTS"
  read_provisioner_spec "$MANIFESTS"
  prepare_provisioner_account
  start_nfs_provisioner
  log "start phase: $(( $(date +%s) - t ))s"
}

# restart_nfs_provisioner: the provisioner started again with a token of its ServiceAccount as
# it is now. A token is bound to the account it was made for: once `kubectl delete -f dist/`
# removed the namespace, the old one is refused (Unauthorized), so a later apply gets no volumes.
restart_nfs_provisioner() {
  stop_recorded nfs-provisioner
  read_provisioner_spec "$MANIFESTS"
  prepare_provisioner_account
  start_nfs_provisioner
}

# prepare_provisioner_account: the provisioner's namespace and ServiceAccount, created as
# `kubectl apply -f dist/` will create them (so that applying later adopts them).
prepare_provisioner_account() {
  kubectl create namespace "$PROV_NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl create serviceaccount "$PROV_SA" -n "$PROV_NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
}

cluster_status() {
  local pid name
  if ! cluster_running; then echo "no cluster runs from $STATE"; return 1; fi
  echo "cluster from $STATE (API https://$API_ADDR:$API_PORT, provisioner: $(cat "$STATE/provisioner-kind" 2>/dev/null))"
  echo "export KUBECONFIG=$KUBECONFIG"
  while read -r pid name; do
    if kill -0 "$pid" 2>/dev/null; then printf '  %-28s running (pid %s)\n' "$name" "$pid"
    else printf '  %-28s STOPPED\n' "$name"; fi
  done <"$STATE/pids"
  kubectl get nodes -o wide 2>/dev/null | sed 's/^/  /'
}
