#!/usr/bin/env bash
# npm run cluster:up: starts a local Kubernetes cluster with real nodes on this machine and
# leaves it running: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, CoreDNS,
# kube-proxy, three real worker nodes (kubelet + containerd + runc) with the datastore image
# of dist/ loaded, a real control-plane node for the NFS Ganesha provisioner's pod of dist/,
# and a NetworkPolicy enforcer.
# Then, as it prints:  export KUBECONFIG=...;  kubectl apply -f dist/
# Pods answer from this host on their pod IPs. `npm run cluster:down` stops everything.
#
# Needs root, Go 1.26, the Go module proxy and Debian's apt (see cluster/README.md).
# Environment:
#   MEHDB_CLUSTER_STATE      state folder (default /var/tmp/mehdb-cluster)
#   MEHDB_CLUSTER_CACHE      binary cache (default /var/cache/mehdb-cluster)
#   MEHDB_CLUSTER_MANIFESTS  manifests whose provisioner image and export folder are prepared
#                            (default dist/)
set -euo pipefail
LOG_TAG=cluster
# shellcheck source=cluster/lib/cluster.sh
source "$(dirname "$0")/lib/cluster.sh"
case ${1:-} in -h|--help) usage_from_header; exit 0 ;; esac
(( $(id -u) == 0 )) || die "run as root: the cluster needs namespaces, cgroups and mounts"
on_exit() {
  local rc=$?
  # Never the cluster of another run (one already up, or starting): only what this one started.
  if (( rc != 0 )) && [[ -n ${CLUSTER_OURS:-} ]]; then log "start failed; stopping what started"; MEHDB_CLUSTER_KEEP=1 cluster_down; fi
  exit "$rc"
}
trap on_exit EXIT
cluster_up
trap - EXIT
step "ready"
cat <<MSG
The cluster runs (state in $STATE). Next:
  export KUBECONFIG=$KUBECONFIG PATH=$STATE/tools:\$PATH   # kubectl $K8S_VERSION, as the cluster
  kubectl apply -f dist/
  kubectl -n mehdb get pods -o wide          # then: curl http://<pod IP>:9876/status
  npm run cluster:down                       # stops everything
MSG
