#!/usr/bin/env bash
# npm run test:image -- the container tests of the mehdb datastore image, in a real OCI runtime
# (podman with runc), daemonless. Needs root; installs its Debian packages when missing
# (podman buildah runc umoci skopeo docker-registry curl).
#
# This script starts and stops things; the checks are image/test/*.test.ts (node's test runner,
# through image/test/run.js). In a state dir of its own (mktemp under /var/tmp) it writes the
# tools' configuration, starts a loopback docker-registry, runs two cold builds (build 1 into the
# test's store, with an oci-archive and a copy into a stand-in for the user's own container
# storage; build 2 in another fresh store, --no-cache, pushed to the registry), runs the checks,
# then removes everything it started. The last line is `image: N passed, M failed, K skipped`,
# counted from the TAP report of the checks (a failure before them counts as one).
#
# Usage: image/test.sh [--state-dir DIR] [--keep] [--reuse] [--only PATTERN]
#   --state-dir DIR   the state dir (default: a new one)
#   --keep            keep the state dir: builds, logs, registry storage, tests.tap
#   --reuse           reuse the successful builds of a kept --state-dir (a quick rerun)
#   --only PATTERN    only the checks whose name matches PATTERN (a regular expression) run
# Environment: MEHDB_IMAGE_TEST_WAIT (seconds per wait, default 30); MEHDB_IMAGE_ALLOW_STALE=1
# (a digest other than the committed image/mehdb-image.json's is a skip, not a failure).
set -euo pipefail
LOG_TAG=image:test
# shellcheck source=lib/image.sh
source "$(dirname "$0")/lib/image.sh"

STATE="" KEEP=0 REUSE=0 ONLY=""
while [ $# -gt 0 ]; do
  case $1 in
    --state-dir) STATE=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --reuse) REUSE=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    -h|--help) usage_from_header; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done
REGISTRY_PID="" PASSED=0 FAILED=1 SKIPPED=0

# shellcheck disable=SC2317  # runs from the EXIT trap
teardown() {
  local rc=$?
  set +e
  step "teardown"
  # The checks remove their containers; this removes what a killed run left. The stores are
  # the state dir's own, so "all" is ours.
  if [ -n "${IMAGE_STATE:-}" ]; then
    timeout 60 podman rm -af -t 2 >/dev/null 2>&1
    timeout 60 podman volume prune -f >/dev/null 2>&1
    user_podman rm -af -t 2 >/dev/null 2>&1
  fi
  if [ -n "$REGISTRY_PID" ]; then
    kill "$REGISTRY_PID" 2>/dev/null
    wait "$REGISTRY_PID" 2>/dev/null
  fi
  if [ "$KEEP" = 1 ]; then
    log "kept $STATE"
  elif [ -n "$STATE" ] && [ -d "$STATE" ]; then
    # The overlay driver leaves its mounts: unmount them before removing the store.
    findmnt -rn -o TARGET | grep "^$STATE/" | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
    rm -rf "$STATE"
  fi
  log "took $SECONDS s"
  echo "image: $PASSED passed, $FAILED failed, $SKIPPED skipped"
  [ "$FAILED" = 0 ] || rc=1
  exit "$rc"
}

# The stand-in for the user's own container storage that build 1 copies the image into
# (MEHDB_IMAGE_LOCAL_STORAGE_CONF), and a containers.conf for it: image/conf/run.containers.conf
# plus a tmp_dir of its own.
setup_user_store() {
  local user="$STATE/user-store"
  mkdir -p "$user/tmp"
  printf '[storage]\ndriver = "%s"\ngraphroot = "%s/storage"\nrunroot = "%s/run"\n' \
    "$(cat "$IMAGE_STATE/storage-driver")" "$user" "$user" >"$user/storage.conf"
  { cat "$IMAGE_DIR/conf/run.containers.conf"; printf 'tmp_dir = "%s/tmp"\n' "$user"; } >"$user/containers.conf"
  export MEHDB_IMAGE_LOCAL_STORAGE_CONF="$user/storage.conf"
}
user_podman() {
  CONTAINERS_CONF="$STATE/user-store/containers.conf" CONTAINERS_STORAGE_CONF="$STATE/user-store/storage.conf" \
    timeout 60 podman "$@"
}

# registry_bg CMD...: starts CMD (the registry) in the background, stopped by teardown.
registry_bg() {
  "$@" >>"$STATE/registry.log" 2>&1 </dev/null &
  REGISTRY_PID=$!
}

# run_build N OPTION...: image/build.sh recording to record-N.json; the reference it prints goes
# to build-N.out, its progress to build-N.log (and stderr), its exit code to build-N.rc. With
# --reuse, a build that succeeded before is kept.
run_build() {
  local n=$1 rc=0 t=$SECONDS
  shift
  if [ "$REUSE" = 1 ] && [ "$(cat "$STATE/build-$n.rc" 2>/dev/null)" = 0 ]; then
    log "build $n: reusing the one of $STATE"
    return 0
  fi
  step "build $n: image/build.sh $*"
  timeout 1500 "$IMAGE_DIR/build.sh" --record "$STATE/record-$n.json" "$@" 2>&1 >"$STATE/build-$n.out" \
    | tee "$STATE/build-$n.log" >&2 || rc=$?
  echo "$rc" >"$STATE/build-$n.rc"
  log "build $n: exit $rc after $(( SECONDS - t )) s"
}

main() {
  local registry port rc=0
  [ "$(id -u)" = 0 ] || die "the container tests run as root (podman with runc, own storage)"
  MEHDB_IMAGE_INSTALL=1 image_require podman buildah runc umoci skopeo docker-registry curl node
  STATE=${STATE:-$(mktemp -d /var/tmp/mehdb-image-test.XXXXXX)}
  mkdir -p "$STATE"
  trap teardown EXIT
  trap 'exit 130' INT TERM
  log "state dir $STATE"
  free_port port
  registry="127.0.0.1:$port"
  image_state_setup "$STATE/store" "$registry"
  setup_user_store

  step "docker-registry on $registry"
  registry_start "$STATE" "$registry" registry_bg || tail -n 20 "$STATE/registry.log" >&2
  run_build 1 --state-dir "$STATE/store" --oci-archive "$STATE/mehdb.oci.tar"
  run_build 2 --state-dir "$STATE/store2" --no-cache --no-local --push "$registry/mehdb"

  step "checks (image/test, node --test)"
  rm -f "$STATE/tests.tap"
  MEHDB_IMAGE_TEST_STATE=$STATE MEHDB_IMAGE_TEST_REGISTRY=$registry MEHDB_REPO_DIR=$REPO_ROOT \
    MEHDB_TEST_TAP=$STATE/tests.tap node "$IMAGE_DIR/test/run.js" ${ONLY:+"$ONLY"} || rc=$?
  read -r PASSED FAILED SKIPPED < <(tap_summary "$STATE/tests.tap")
  [ "$rc" = 0 ] || [ "$FAILED" != 0 ] || FAILED=1
}

main
