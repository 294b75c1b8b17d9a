#!/usr/bin/env bash
# npm run cluster:down: stops the cluster of `npm run cluster:up` (or what a failed test run
# left) and removes what it changed on the host: processes, containers, cgroup folders, the
# network namespace with its veth, bridges and iptables rules, and the state folder.
# Environment: MEHDB_CLUSTER_STATE (default /var/tmp/mehdb-cluster); MEHDB_CLUSTER_KEEP=1
# keeps the state folder (logs).
set -euo pipefail
LOG_TAG=cluster
# shellcheck source=cluster/lib/cluster.sh
source "$(dirname "$0")/lib/cluster.sh"
case ${1:-} in -h|--help) usage_from_header; exit 0 ;; esac
cluster_down
