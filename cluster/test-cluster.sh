#!/usr/bin/env bash
# npm run test:cluster: the committed dist/ on a real cluster of this machine. Starts the same
# cluster as `npm run cluster:up` (control plane, CoreDNS, kube-proxy, three real nodes with
# containerd and the datastore image, the real NFS Ganesha provisioner), runs the TypeScript
# tests of cluster/test/ with node's test runner, prints the figures, and stops everything,
# whatever happened. The last line is `cluster: N passed, M failed`; a teardown that leaves
# anything on the host (a process, a cgroup folder, the veth, a mount) counts as one failure.
#
# Environment:
#   MEHDB_CLUSTER_CACHE        binary cache (default /var/cache/mehdb-cluster)
#   MEHDB_CLUSTER_STATE        state folder (default /var/tmp/mehdb-cluster)
#   MEHDB_CLUSTER_KEEP=1       keep the state folder (logs) after the run
#   MEHDB_CLUSTER_BUILD_ONLY=1 only build (or check) the binaries
#   MEHDB_CLUSTER_ONLY=NAME    run only the test files whose name contains NAME
set -euo pipefail
LOG_TAG=cluster
# shellcheck source=cluster/lib/cluster.sh
source "$(dirname "$0")/lib/cluster.sh"
case ${1:-} in -h|--help) usage_from_header; exit 0 ;; esac
(( $(id -u) == 0 )) || die "run as root: the cluster needs namespaces, cgroups and mounts"

if [[ "${MEHDB_CLUSTER_BUILD_ONLY:-}" == 1 ]]; then
  ensure_packages
  build_all
  log "built; NFS provisioner image: $NFS_PROVISIONER_IMAGE_REF"
  exit 0
fi
cluster_running && die "a cluster from npm run cluster:up runs in $STATE: npm run cluster:down first"

PASSED=0 FAILED=1
finish() {
  local rc=$?
  set +e
  (( rc == 0 )) || MEHDB_CLUSTER_KEEP=${MEHDB_CLUSTER_KEEP:-1}
  # Only the cluster this run started (cluster_up sets CLUSTER_OURS), never another run's.
  if [[ -n ${CLUSTER_OURS:-} ]]; then
    [[ -f $STATE/figures.txt ]] && { step "figures"; cat "$STATE/figures.txt"; }
    cluster_down
  fi
  # The teardown must leave nothing whatever state the tests left (the last test file cuts a
  # node's power): what cluster_down found left (TEARDOWN_LEFT, listed above) is a failure.
  if [[ -n ${TEARDOWN_LEFT:-} ]]; then
    log "FAILED: the teardown left the cluster's remains listed above"
    FAILED=$(( FAILED + 1 )) rc=1
  fi
  log "total: $(( $(date +%s) - LOG_START ))s"
  # The closing line, last: what the tests counted (one failure when the cluster did not start).
  echo "cluster: $PASSED passed, $FAILED failed"
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

cluster_up
step "tests (cluster/test, node --test)"
export MEHDB_CLUSTER_STATE=$STATE MEHDB_CLUSTER_MANIFESTS=$MANIFESTS MEHDB_REPO_DIR=$REPO_DIR \
  MEHDB_CLUSTER_CTR=$BIN_node/ctr MEHDB_CLUSTER_DNS=$DNS_ADDR PATH
rc=0
rm -f "$STATE/tests.tap"
MEHDB_TEST_TAP=$STATE/tests.tap node "$CLUSTER_DIR/test/run.js" "${MEHDB_CLUSTER_ONLY:-}" 2>&1 | tee "$STATE/tests.log" || rc=$?
# The counts of the TAP report (cancelled tests count as failed; no report, one failure).
read -r PASSED FAILED _ < <(tap_summary "$STATE/tests.tap")
(( rc == 0 && FAILED == 0 ))
