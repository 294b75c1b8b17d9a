# shellcheck shell=bash disable=SC2034 # variables read by the scripts that source this
# The helpers of the image scripts (sourced by image/build.sh, image/base.sh and image/test.sh),
# all named image_*. The generic ones (log, step, die, have, wait_for, free_port, apt_ensure,
# registry_start, usage_from_header) come from the repository's shell library,
# scripts/lib/common.sh.
#
# Every script works in a *state dir* of its own: the containers.conf, storage.conf,
# registries.conf and policy.json written there (from image/conf/) and the container storage
# they point at. Nothing is written to /etc/containers or to the repository.

IMAGE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$IMAGE_DIR/.." && pwd)
LOG_TAG=${LOG_TAG:-image}
# shellcheck source=../../scripts/lib/common.sh
source "$REPO_ROOT/scripts/lib/common.sh"
# MEHDB_DATASTORE_DIR: build another copy of the package (e.g. a stand-in while developing).
DATASTORE_DIR=${MEHDB_DATASTORE_DIR:-$REPO_ROOT/datastore}
# The record `npm run image` writes by default (read by the cdk8s app), and the image's name.
IMAGE_RECORD_DEFAULT="$IMAGE_DIR/mehdb-image.json"
IMAGE_REPOSITORY="localhost/mehdb"
# Fixed timestamp for every file, history entry and "created" field of the images we build:
# the same sources and base give the same digest. 0 = 1970-01-01T00:00:00Z.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}

# image_tool COMMAND ARG...: image/lib/tool.js (versions, OCI layouts, the record).
image_tool() { node "$IMAGE_DIR/lib/tool.js" "$@"; }

# The default state dir of `npm run image` / `npm run image:base`: kept between runs so warm
# builds reuse the base image and the cached build layers.
image_default_state_dir() {
  if [ "$(id -u)" = 0 ]; then
    echo /var/lib/mehdb-image
  else
    echo "${XDG_DATA_HOME:-$HOME/.local/share}/mehdb-image"
  fi
}

# image_state_setup DIR [REGISTRY_HOST:PORT]: write the configuration files into DIR, export
# the variables that make podman, buildah and skopeo use them, and take DIR's lock. Sets
# IMAGE_STATE (DIR) and IMAGE_POLICY (the signature policy to pass to buildah and skopeo).
image_state_setup() {
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
  IMAGE_STATE=$state
  IMAGE_POLICY="$state/policy.json"
  image_state_lock
}

# One build at a time per state dir (a nested script of the same run holds the lock already).
image_state_lock() {
  [ "${MEHDB_IMAGE_LOCKED:-}" = "$IMAGE_STATE" ] && return 0
  have flock || return 0
  exec 9>"$IMAGE_STATE/lock"
  if ! flock -n 9; then
    log "waiting for another build using $IMAGE_STATE (at most 10 min)"
    flock -w 600 9 || die "$IMAGE_STATE is still locked by another build"
  fi
  export MEHDB_IMAGE_LOCKED=$IMAGE_STATE
}

# image_require TOOL...: the tools on PATH. When MEHDB_IMAGE_INSTALL=1 (the tests, and `npm run
# image` unless MEHDB_IMAGE_INSTALL=0) the missing ones among those Debian packages under the
# tool's name (node: nodejs) are installed.
image_require() {
  local missing=() t
  for t in "$@"; do have "$t" || missing+=("$t"); done
  (( ${#missing[@]} )) || return 0
  if [ "${MEHDB_IMAGE_INSTALL:-0}" != 1 ] || [[ " ${missing[*]} " == *" docker "* ]]; then
    die "missing tools: ${missing[*]} (as root: apt-get install -y podman buildah runc umoci skopeo docker-registry)"
  fi
  apt_ensure "${missing[@]/#node/nodejs}"
  for t in "${missing[@]}"; do have "$t" || die "still missing after apt-get: $t"; done
}

# image_pick_builder [NAME]: NAME, else MEHDB_IMAGE_BUILDER, else buildah, podman, or docker when
# an engine answers.
image_pick_builder() {
  local name=${1:-${MEHDB_IMAGE_BUILDER:-}}
  if [ -n "$name" ]; then
    have "$name" || die "the builder $name is not installed"
    echo "$name"
  elif have buildah; then echo buildah
  elif have podman; then echo podman
  elif have docker && timeout 10 docker info >/dev/null 2>&1; then echo docker
  else
    die "no image builder: install buildah or podman (apt-get install -y buildah podman skopeo), or run a Docker engine"
  fi
}
