#!/usr/bin/env bash
# npm run test:failover: the datastore's failover suites against a real etcd + kube-apiserver
# (nothing else of the test cluster). Gets the binaries (cluster/k8s-bin.sh: built once into the
# cluster's cache), builds the datastore, then runs the files under datastore/dist/test named
# kube-apiserver.test.js, failover*.test.js and linearizability*.test.js one at a time with
# MEHDB_K8S_BIN exported. Prints node's test summary; exits non-zero when a test fails.
#
# Environment:
#   MEHDB_K8S_BIN        folder of etcd and kube-apiserver to use (skips cluster/k8s-bin.sh)
#   MEHDB_CLUSTER_CACHE  binary cache of cluster/k8s-bin.sh (default /var/cache/mehdb-cluster)
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_TAG=test-failover
# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh
case ${1:-} in -h|--help) usage_from_header; exit 0 ;; esac

step "etcd + kube-apiserver"
if [[ -z ${MEHDB_K8S_BIN:-} ]]; then
  MEHDB_K8S_BIN=$(bash cluster/k8s-bin.sh)
fi
[[ -x $MEHDB_K8S_BIN/etcd && -x $MEHDB_K8S_BIN/kube-apiserver ]] \
  || die "no etcd or kube-apiserver in MEHDB_K8S_BIN=$MEHDB_K8S_BIN"
export MEHDB_K8S_BIN
log "binaries: $MEHDB_K8S_BIN"

step "build the datastore"
npm run build -w mehdb >&2

# Those names anywhere under dist/test (the quick suite, `npm test -w mehdb`, leaves them out).
files=()
while IFS= read -r f; do files+=("$f"); done < <(find datastore/dist/test -type f \
  \( -name kube-apiserver.test.js -o -name 'failover*.test.js' -o -name 'linearizability*.test.js' \) | LC_ALL=C sort)
(( ${#files[@]} )) || die "no failover test files in datastore/dist/test"

step "node --test ${files[*]##*/}"
exec node --test --test-concurrency=1 --test-timeout=600000 "${files[@]}"
