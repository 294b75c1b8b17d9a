#!/usr/bin/env bash
# bash cluster/provisioner.sh restart: starts the running cluster's NFS provisioner again with a
# token of its ServiceAccount as it is now (after `kubectl delete -f dist/` removed the account,
# the old token is refused and claims of a new apply would never bind). The cluster tests call
# it once the manifests are deleted, so that the next apply starts as on a new cluster.
# Environment: MEHDB_CLUSTER_STATE (default /var/tmp/mehdb-cluster).
set -euo pipefail
LOG_TAG=provisioner
# shellcheck source=cluster/lib/cluster.sh
source "$(dirname "$0")/lib/cluster.sh"
case ${1:-} in
  restart) ;;
  *) usage_from_header; exit 0 ;;
esac
(( $(id -u) == 0 )) || die "run as root: the provisioner runs in the cluster's namespaces"
cluster_running || die "no cluster runs from $STATE"
# shellcheck source=/dev/null
source "$STATE/bins"
restart_nfs_provisioner
