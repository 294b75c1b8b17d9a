# shellcheck shell=bash
# Shared helpers for the mehdb image scripts (sourced by build.sh, base.sh and test.sh). The
# generic ones (log, step, die, have, wait_for, free_port, usage_from_header) come from the
# repository's one shell library, scripts/lib/common.sh; this file adds the image-specific ones.
#
# Every script works in a *state dir* of its own: the containers.conf, storage.conf,
# registries.conf and policy.json written there (from image/conf/*.in) and the container
# storage they point at. Nothing is written to /etc/containers or to the repository.

IMAGE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$IMAGE_DIR/.." && pwd)
LOG_TAG=${LOG_TAG:-image}
# shellcheck source=../scripts/lib/common.sh
source "$REPO_ROOT/scripts/lib/common.sh"
# MEHDB_DATASTORE_DIR: build another copy of the package (e.g. a stand-in while developing).
DATASTORE_DIR=${MEHDB_DATASTORE_DIR:-$REPO_ROOT/datastore}
# Read by the scripts that source this file.
# shellcheck disable=SC2034
RECORD_FILE_DEFAULT="$IMAGE_DIR/mehdb-image.json"
# shellcheck disable=SC2034
REPOSITORY_DEFAULT="localhost/mehdb"
# Fixed timestamp for every file, history entry and "created" field of the images we build:
# the same sources and base give the same digest. 0 = 1970-01-01T00:00:00Z.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}

# The default state dir of `npm run image` / `npm run image:base`: kept between runs so warm
# builds reuse the base image and the cached build layers.
default_state_dir() {
  if [ "$(id -u)" = 0 ]; then
    echo /var/lib/mehdb-image
  else
    echo "${XDG_DATA_HOME:-$HOME/.local/share}/mehdb-image"
  fi
}

# setup_state DIR [REGISTRY_HOST:PORT]: write the configuration files into DIR and export the
# variables that make podman, buildah and skopeo use them.
setup_state() {
  local state=$1 registry=${2:-127.0.0.1:5000} driver
  mkdir -p "$state"/{tmp,volumes,libpod,storage,run}
  # The storage driver cannot change once a store exists: remember the first choice.
  if [ -f "$state/storage-driver" ]; then
    driver=$(cat "$state/storage-driver")
  else
    driver=${MEHDB_IMAGE_STORAGE_DRIVER:-overlay}
    echo "$driver" >"$state/storage-driver"
  fi
  sed "s#@STATE@#$state#g" "$IMAGE_DIR/conf/containers.conf.in" >"$state/containers.conf"
  sed -e "s#@STATE@#$state#g" -e "s#@DRIVER@#$driver#g" \
    "$IMAGE_DIR/conf/storage.conf.in" >"$state/storage.conf"
  sed "s#@REGISTRY@#$registry#g" "$IMAGE_DIR/conf/registries.conf.in" >"$state/registries.conf"
  cp "$IMAGE_DIR/conf/policy.json" "$state/policy.json"
  export CONTAINERS_CONF="$state/containers.conf"
  export CONTAINERS_STORAGE_CONF="$state/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$state/registries.conf"
  export REGISTRIES_CONFIG_PATH="$state/registries.conf"
  export TMPDIR="$state/tmp"
  STATE_DIR=$state
  # shellcheck disable=SC2034  # the signature policy the scripts pass to buildah and skopeo
  POLICY="$state/policy.json"
  lock_state
}

# One build at a time per state dir (a nested script of the same run holds the lock already).
lock_state() {
  [ "${MEHDB_IMAGE_LOCKED:-}" = "$STATE_DIR" ] && return 0
  have flock || return 0
  exec 9>"$STATE_DIR/lock"
  if ! flock -n 9; then
    log "waiting for another build using $STATE_DIR (at most 10 min)"
    flock -w 600 9 || die "$STATE_DIR is still locked by another build"
  fi
  export MEHDB_IMAGE_LOCKED=$STATE_DIR
}

# The tools the scripts need; install them from Debian when missing and allowed
# (MEHDB_IMAGE_INSTALL=1: the tests, and `npm run image` as root unless MEHDB_IMAGE_INSTALL=0).
ensure_tools() {
  local missing=() t
  for t in "$@"; do have "$t" || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "${MEHDB_IMAGE_INSTALL:-0}" = 1 ] && [ "$(id -u)" = 0 ] && have apt-get; then
    step "installing Debian packages (missing: ${missing[*]})"
    timeout 600 env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    timeout 900 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      podman buildah runc umoci skopeo docker-registry >&2
    for t in "${missing[@]}"; do have "$t" || die "still missing after apt-get: $t"; done
  else
    die "missing tools: ${missing[*]} (as root: apt-get update && apt-get install -y podman buildah runc umoci skopeo docker-registry)"
  fi
}

# Which builder to use: MEHDB_IMAGE_BUILDER if set, else buildah, podman, or docker when an
# engine answers.
pick_builder() {
  if [ -n "${MEHDB_IMAGE_BUILDER:-}" ]; then
    have "$MEHDB_IMAGE_BUILDER" || die "MEHDB_IMAGE_BUILDER=$MEHDB_IMAGE_BUILDER is not installed"
    echo "$MEHDB_IMAGE_BUILDER"
  elif have buildah; then echo buildah
  elif have podman; then echo podman
  elif have docker && timeout 10 docker info >/dev/null 2>&1; then echo docker
  else
    die "no image builder: install buildah or podman (apt-get install -y buildah podman skopeo), or run a Docker engine"
  fi
}

# Version of the datastore package (the image tag).
datastore_version() {
  node -p 'require(process.argv[1]).version' "$DATASTORE_DIR/package.json"
}

# The machine's Node.js version, without the leading "v" (the local base image's tag).
node_version() { node -p 'process.versions.node'; }

# sha256 of a file, as "sha256:<hex>".
sha256_of() { printf 'sha256:%s' "$(sha256sum "$1" | cut -d' ' -f1)"; }

# Manifest digest of the one image in an OCI layout.
oci_layout_digest() {
  node -e '
    const idx = JSON.parse(require("fs").readFileSync(process.argv[1] + "/index.json", "utf8"));
    if (idx.manifests.length !== 1) throw new Error("expected one manifest in " + process.argv[1]);
    console.log(idx.manifests[0].digest);' "$1"
}

# Seconds since the epoch with a fraction, and a duration since a start.
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }
