#!/usr/bin/env bash
# npm run cluster:status: says whether the local cluster runs, which of its processes are
# alive, the KUBECONFIG line and the nodes. Exits 1 when no cluster runs.
# Environment: MEHDB_CLUSTER_STATE (default /var/tmp/mehdb-cluster).
set -euo pipefail
LOG_TAG=cluster
# shellcheck source=cluster/lib/cluster.sh
source "$(dirname "$0")/lib/cluster.sh"
case ${1:-} in -h|--help) usage_from_header; exit 0 ;; esac
cluster_status
