#!/usr/bin/env bash
# cluster/k8s-bin.sh: prints the folder that holds etcd and kube-apiserver (with the other
# Kubernetes binaries of the test cluster), building only the k8s module of cluster/ when the
# cache lacks it. Same cache and keys as `npm run cluster:up`; progress goes to stderr, the
# folder alone to stdout:  MEHDB_K8S_BIN=$(bash cluster/k8s-bin.sh)
#
# Needs Go 1.26 and the Go module proxy on a cold cache (the build takes a while and a few GiB
# of memory); waits when another run is building the same cache folder.
# Environment: MEHDB_CLUSTER_CACHE  binary cache (default /var/cache/mehdb-cluster)
set -euo pipefail
LOG_TAG=k8s-bin
# shellcheck source=cluster/lib/cluster.sh
source "$(dirname "$0")/lib/cluster.sh"
case ${1:-} in -h|--help) usage_from_header; exit 0 ;; esac
build_k8s
[[ -x $BIN_k8s/etcd && -x $BIN_k8s/kube-apiserver ]] || die "no etcd or kube-apiserver in $BIN_k8s"
printf '%s\n' "$BIN_k8s"
