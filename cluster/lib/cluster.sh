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
# The cluster's own kubectl (same version as the control plane), once a run has built it.
[[ -x $STATE/tools/kubectl ]] && PATH=$STATE/tools:$PATH

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
# shellcheck source=cluster/lib/provisioner-image.sh
source "$CLUSTER_DIR/lib/provisioner-image.sh"
# shellcheck source=cluster/lib/provisioner-pod.sh
source "$CLUSTER_DIR/lib/provisioner-pod.sh"
# shellcheck source=cluster/lib/netpol.sh
source "$CLUSTER_DIR/lib/netpol.sh"
# shellcheck source=cluster/lib/teardown.sh
source "$CLUSTER_DIR/lib/teardown.sh"

# ensure_packages: the Debian packages the cluster needs, installed when missing.
ensure_packages() {
  apt_ensure openssl curl jq iproute2 iptables util-linux runc containernetworking-plugins \
    nfs-common libnfs-utils docker-registry skopeo debootstrap buildah
}

# cluster_running: the holder of a cluster started from $STATE is alive.
cluster_running() { [[ -f $STATE/holder.pid ]] && kill -0 "$(holder_pid)" 2>/dev/null; }

# cluster_up: builds what is missing, then starts the control plane, CoreDNS, the cluster's
# registry (with the datastore image and the provisioner's), the real nodes (the control plane
# `master` and the workers), kube-proxy and the NetworkPolicy enforcer. `kubectl apply -f dist/`
# then runs everything of dist/ in real pods, the provisioner included.
cluster_up() {
  local t
  lock_cluster_start
  if cluster_running; then die "a cluster already runs from $STATE: npm run cluster:down first"; fi
  # From here on the state folder is this run's: a failure stops what it started (CLUSTER_OURS).
  CLUSTER_OURS=1
  [[ -e $STATE ]] && { log "cleaning up what an earlier run left in $STATE"; cluster_down; }
  step "packages"
  ensure_packages
  step "build (Kubernetes $K8S_VERSION, containerd $CONTAINERD_VERSION, CoreDNS $COREDNS_VERSION; cache $CACHE_ROOT)"
  t=$(date +%s)
  build_all
  log "build phase: $(( $(date +%s) - t ))s"
  mkdir -p "$STATE/logs" "$STATE/tools"
  declare -p BIN_k8s BIN_kubectl BIN_node BIN_pause BIN_netpol >"$STATE/bins"
  ln -sf "$BIN_kubectl/kubectl" "$STATE/tools/kubectl"
  step "images"
  prepare_images
  read_provisioner_spec "$MANIFESTS"
  step "start (state folder $STATE)"
  t=$(date +%s)
  make_pki
  start_holder
  setup_network
  bind_export_hostpath
  start_control_plane
  start_registry
  publish_provisioner_image
  # Before the nodes: from here on, a pod's new connection is dropped unless the enforcer admits it.
  start_netpol_enforcer
  start_nodes
  # kube-proxy waits for its Node object before it serves.
  start_kube_proxy || log "  going on without kube-proxy: ClusterIP Services will not answer"
  log "start phase: $(( $(date +%s) - t ))s"
  unlock_cluster_start
}

# The machine-wide lock of a cluster start: two starts at once (cluster:up, test:cluster) would
# both find no cluster running and then fight over its addresses and certificates.
CLUSTER_START_LOCK=/run/lock/mehdb-cluster.start.lock

# lock_cluster_start: takes the lock, or stops the run at once when another start holds it.
lock_cluster_start() {
  mkdir -p "$(dirname "$CLUSTER_START_LOCK")"
  exec {CLUSTER_START_FD}>"$CLUSTER_START_LOCK"
  flock -n "$CLUSTER_START_FD" || die "another npm run cluster:up or test:cluster is starting a cluster on this machine"
}

# unlock_cluster_start: releases the lock. The daemons started meanwhile inherited its file, so it
# is unlocked (for all of them), not only closed; a start that fails ends them all (cluster_down).
unlock_cluster_start() {
  flock -u "$CLUSTER_START_FD"
  exec {CLUSTER_START_FD}>&-
}

cluster_status() {
  local pid name
  if ! cluster_running; then echo "no cluster runs from $STATE"; return 1; fi
  echo "cluster from $STATE (API https://$API_ADDR:$API_PORT)"
  echo "export KUBECONFIG=$KUBECONFIG PATH=$STATE/tools:\$PATH   # kubectl $K8S_VERSION"
  while read -r pid name; do
    if kill -0 "$pid" 2>/dev/null; then printf '  %-28s running (pid %s)\n' "$name" "$pid"
    else printf '  %-28s STOPPED\n' "$name"; fi
  done <"$STATE/pids"
  kubectl get nodes -o wide 2>/dev/null | sed 's/^/  /'
}
