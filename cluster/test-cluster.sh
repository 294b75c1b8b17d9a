#!/usr/bin/env bash
# npm run test:cluster: proves the synthesized manifests on a real Kubernetes control plane.
#
# Phases: packages -> build (cached outside the repo) -> start (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok nodes, on 127.0.0.1) -> for each preset: apply
# server-side, assert what the course shows, scale to 3, delete -> dry-run every config variant
# -> teardown. Exits non-zero on any failure; always stops what it started. See cluster/README.md.
#
# Environment:
#   MEHDB_CLUSTER_CACHE   binary cache root (default /var/cache/mehdb-cluster)
#   MEHDB_CLUSTER_KEEP=1  keep the run's work folder (logs, kubeconfigs) after it ends
#   MEHDB_CLUSTER_BUILD_ONLY=1  build (or check) the binaries and stop
set -euo pipefail

CLUSTER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$CLUSTER_DIR/.." && pwd)
CACHE_ROOT=${MEHDB_CLUSTER_CACHE:-/var/cache/mehdb-cluster}
RUN_START=$(date +%s)
CURRENT_PRESET=setup
WORK=""

log() { printf '[cluster %4ss] %s\n' "$(( $(date +%s) - RUN_START ))" "$*"; }
step() { printf '\n[cluster %4ss] ==== %s\n' "$(( $(date +%s) - RUN_START ))" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

# shellcheck source=lib/build.sh
source "$CLUSTER_DIR/lib/build.sh"
# shellcheck source=lib/start.sh
source "$CLUSTER_DIR/lib/start.sh"
# shellcheck source=lib/checks.sh
source "$CLUSTER_DIR/lib/checks.sh"

# ensure_packages: Debian packages the script uses, installed when missing.
ensure_packages() {
  local missing=() cmd pkg
  for cmd in openssl:openssl curl:curl jq:jq ss:iproute2; do
    command -v "${cmd%%:*}" >/dev/null || missing+=("${cmd#*:}")
  done
  command -v kubectl >/dev/null || die "kubectl is not on PATH"
  if (( ${#missing[@]} )); then
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
}

# synth_preset NAME OUTDIR: the app's manifests for a preset, without touching dist/.
synth_preset() {
  (cd "$REPO_DIR" && MEHDB_PRESET=$1 npm run --silent synth -- --output "$2") >"$WORK/synth-$1.log" 2>&1 \
    || { cat "$WORK/synth-$1.log" >&2; fail "MEHDB_PRESET=$1 npm run synth failed (output above)"; return 1; }
}

teardown() {
  local rc=$?
  set +e
  if (( ${#PIDS[@]} )); then
    step "teardown: stopping ${#PIDS[@]} processes"
    stop_all
  fi
  if [[ -n "$WORK" && -d "$WORK" ]]; then
    if [[ "${MEHDB_CLUSTER_KEEP:-}" == 1 || $rc -ne 0 ]]; then
      log "work folder kept: $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$rc"
}

main() {
  trap teardown EXIT
  trap 'exit 130' INT TERM
  step "packages"
  ensure_packages

  step "build (Kubernetes $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION; cache $CACHE_ROOT)"
  local t=$(date +%s)
  build_all
  log "build phase: $(( $(date +%s) - t ))s"
  [[ "${MEHDB_CLUSTER_BUILD_ONLY:-}" == 1 ]] && return 0

  WORK=$(mktemp -d /tmp/mehdb-cluster.XXXXXX)
  step "start control plane (work folder $WORK)"
  t=$(date +%s)
  start_control_plane
  start_nodes
  check_loopback_only
  log "start phase: $(( $(date +%s) - t ))s"
  kubectl version 2>/dev/null | sed 's/^/  /' || true

  local tutorial_dir=$WORK/preset-tutorial
  [[ -n "$(ls "$REPO_DIR"/dist/*.yaml 2>/dev/null)" ]] || die "dist/ has no manifests: run npm run synth"

  run_preset default "$REPO_DIR/dist"
  step "synthesize the tutorial preset: MEHDB_PRESET=tutorial npm run synth -- --output $tutorial_dir"
  if synth_preset tutorial "$tutorial_dir"; then
    run_preset tutorial "$tutorial_dir"
  fi
  dry_run_variants

  step "result"
  for f in "${FAILURES[@]}"; do log "  failed: $f"; done
  (( FAILED == 0 )) || for n in kube-apiserver kube-controller-manager kube-scheduler kwok; do
    log "  last lines of $n log:"; tail -n 5 "$WORK/logs/$n.log" | sed 's/^/    /'
  done
  log "total: $(( $(date +%s) - RUN_START ))s"
  echo "cluster: $PASSED passed, $FAILED failed"
  (( FAILED == 0 ))
}

main "$@"
