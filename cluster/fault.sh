#!/usr/bin/env bash
# Faults of the running test cluster (npm run cluster:up, npm run test:cluster), for failover
# trials; the cluster/test files call it too:
#   bash cluster/fault.sh power-cut worker-N   one SIGKILL at once to the node's kubelet,
#                                              containerd, shims and every process of its pods;
#                                              its pods' IPs go silent; the API is not told
#   bash cluster/fault.sh power-on worker-N    containerd and kubelet started again as at start
#                                              (returns then; the node turns Ready by itself)
#   bash cluster/fault.sh partition POD_IP [--cut-probes]
#                                              the pod reaches and is reached by this host
#                                              (10.99.0.1) only: no peers, API server or DNS;
#                                              its node's kubelet still probes it unless
#                                              --cut-probes
#   bash cluster/fault.sh heal POD_IP          removes exactly that partition
#   bash cluster/fault.sh list                 the faults that are on (iptables chains)
#   bash cluster/fault.sh enforcer-stop        stops the NetworkPolicy enforcer (its queue rules
#                                              stay: every new connection from a pod is dropped)
#   bash cluster/fault.sh enforcer-start       starts it again
# Environment: MEHDB_CLUSTER_STATE (default /var/tmp/mehdb-cluster).
set -euo pipefail
LOG_TAG=fault
# shellcheck source=cluster/lib/cluster.sh
source "$(dirname "$0")/lib/cluster.sh"
# shellcheck source=cluster/lib/faults.sh
source "$CLUSTER_DIR/lib/faults.sh"
# shellcheck source=cluster/lib/power.sh
source "$CLUSTER_DIR/lib/power.sh"
case ${1:-} in -h|--help|"") usage_from_header; exit 0 ;; esac
(( $(id -u) == 0 )) || die "run as root: faults change processes and iptables of the cluster"
cluster_running || die "no cluster runs from $STATE"
# shellcheck source=/dev/null
source "$STATE/bins"

command=$1
shift
case $command:$# in
  power-cut:1) power_cut "$1" ;;
  power-on:1) power_on "$1" ;;
  partition:1 | partition:2) partition "$@" ;;
  heal:1) heal "$1" ;;
  list:0) fault_chains ;;
  enforcer-stop:0) stop_recorded netpol-enforcer ;;
  enforcer-start:0) run_netpol_enforcer ;;
  *) die "unknown command or wrong arguments: $command $*  (see bash cluster/fault.sh --help)" ;;
esac
