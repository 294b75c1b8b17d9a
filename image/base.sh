#!/usr/bin/env bash
# npm run image:base -- make local Node.js base images from this machine's own Node.js, for
# machines that cannot pull node:20 or distroless images:
#
#   localhost/node-runtime:<node version>  FROM scratch: node (stripped) at /nodejs/bin/node,
#       the shared libraries ldd lists, /etc/passwd and /etc/group with nonroot (65532), /tmp.
#       No shell. Same layout and entrypoint as gcr.io/distroless/nodejs20-debian12.
#   localhost/node-build:<node version>    the runtime image plus npm (/usr/local/bin/npm) and
#       /usr/bin/env: the build stage of datastore/Dockerfile (like node:20-bookworm-slim).
#
# Built with buildah and a fixed --timestamp, so the same machine gives the same digests.
# Usage: image/base.sh [--state-dir DIR] [--force]; prints the two references, runtime first.
set -euo pipefail
LOG_TAG=image:base
# shellcheck source=lib/image.sh
source "$(dirname "$0")/lib/image.sh"

FORCE=0
STATE=""
while [ $# -gt 0 ]; do
  case $1 in
    --state-dir) STATE=$2; shift 2 ;;
    --force) FORCE=1; shift ;;
    -h|--help) usage_from_header; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

NODE_VERSION=$(node -p 'process.versions.node')
RUNTIME_REF="localhost/node-runtime:$NODE_VERSION"
HOST_CA_BUNDLE=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
NPM_REGISTRY=$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)
BUILD_REF="localhost/node-build:$NODE_VERSION"

image_exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }
# node_libs NODE: the shared libraries as ldd names them (e.g. /lib/x86_64-linux-gnu/libc.so.6),
# and the dynamic loader.
node_libs() { ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'; }

# Copy a file's content (following symlinks) to the same path under a root folder.
copy_real() {
  local src=$1 root=$2 dest
  dest="$root$src"
  mkdir -p "$(dirname "$dest")"
  cp -L "$src" "$dest"
  chmod 0755 "$dest"
}

# The runtime root file system: node and its shared libraries.
make_runtime_rootfs() {
  local root=$1 node lib
  node=$(readlink -f "$(command -v node)")
  rm -rf "$root" && mkdir -p "$root/nodejs/bin" "$root/etc" "$root/tmp" "$root/home/nonroot"
  log "node: $node (v$NODE_VERSION)"
  cp -L "$node" "$root/nodejs/bin/node"
  if have strip; then
    strip --strip-all "$root/nodejs/bin/node"
  else
    log "strip not found: node is copied unstripped (bigger image)"
  fi
  chmod 0755 "$root/nodejs/bin/node"
  # The libraries, as real files, not the merged-/usr symlinks.
  for lib in $(node_libs "$node"); do
    copy_real "$lib" "$root"
    log "  + $lib"
  done
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  chmod 1777 "$root/tmp"
  chmod 0755 "$root/home/nonroot" "$root/etc" "$root/nodejs" "$root/nodejs/bin"
  chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"
}

# What the build stage adds: npm and /usr/bin/env (npm's "#!/usr/bin/env node").
make_build_rootfs() {
  local root=$1 npm_dir
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  rm -rf "$root" && mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/bin" "$root/usr/bin"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s /nodejs/bin/node "$root/usr/local/bin/node"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  copy_real /usr/bin/env "$root"
  # The machine's CA bundle, so npm in the build stage trusts what the host's npm trusts
  # (e.g. a TLS-intercepting proxy). Build stage only: never in the runtime image.
  mkdir -p "$root/etc/ssl/certs"
  if [ -f "$HOST_CA_BUNDLE" ]; then
    cp -L "$HOST_CA_BUNDLE" "$root/etc/ssl/certs/ca-certificates.crt"
  else
    : >"$root/etc/ssl/certs/ca-certificates.crt"
  fi
  chmod 0644 "$root/etc/ssl/certs/ca-certificates.crt"
  # Same bytes whoever ran npm on the host.
  chown -R 0:0 "$root"
  log "npm: $npm_dir ($(node -p 'require(process.argv[1]).version' "$npm_dir/package.json"))"
}

# build_base KIND REF: the root file system of make_KIND_rootfs and the Containerfile of
# image/conf/node-KIND.Containerfile.in, built with buildah and fixed timestamps.
build_base() {
  local kind=$1 ref=$2 ctx="$IMAGE_STATE/base/$1"
  step "$kind base $ref"
  mkdir -p "$ctx"
  "make_${kind}_rootfs" "$ctx/rootfs"
  sed -e "s#@NODE_VERSION@#$NODE_VERSION#g" -e "s#@RUNTIME_REF@#$RUNTIME_REF#g" -e "s#@NPM_REGISTRY@#$NPM_REGISTRY#g" \
    "$IMAGE_DIR/conf/node-$kind.Containerfile.in" >"$ctx/Containerfile"
  timeout 600 buildah bud --isolation chroot --pull=never --layers=false --identity-label=false \
    --signature-policy "$IMAGE_POLICY" --timestamp "$SOURCE_DATE_EPOCH" --format oci \
    -f "$ctx/Containerfile" -t "$ref" "$ctx" >&2
}

# What the bases are made of: node, its libraries, npm, the CA bundle and these scripts. A
# change (say, a node update with the same version) rebuilds them.
inputs_stamp() {
  local node; node=$(readlink -f "$(command -v node)")
  {
    sha256sum "$node" "$0" "$IMAGE_DIR/lib/image.sh" "$IMAGE_DIR"/conf/node-*.Containerfile.in
    node_libs "$node" | xargs -r readlink -f | xargs -r sha256sum
    node -p 'require(process.argv[1]).version' "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/package.json"
    [ -f "$HOST_CA_BUNDLE" ] && sha256sum "$HOST_CA_BUNDLE"
    echo "$NPM_REGISTRY $SOURCE_DATE_EPOCH"
  } | sha256sum | cut -d' ' -f1
}

main() {
  image_require buildah node
  image_state_setup "${STATE:-$(image_default_state_dir)}"
  local stamp
  stamp=$(inputs_stamp)
  if [ "$FORCE" = 0 ] && image_exists "$RUNTIME_REF" && image_exists "$BUILD_REF" &&
     [ "$(cat "$IMAGE_STATE/base/stamp" 2>/dev/null)" = "$stamp" ]; then
    log "base images up to date in $IMAGE_STATE (use --force to rebuild)"
  else
    build_base runtime "$RUNTIME_REF"
    build_base build "$BUILD_REF"
    echo "$stamp" >"$IMAGE_STATE/base/stamp"
  fi
  log "runtime base: $RUNTIME_REF  id $(buildah inspect --type image --format '{{.FromImageID}}' "$RUNTIME_REF" | cut -c1-12)"
  log "build base:   $BUILD_REF  id $(buildah inspect --type image --format '{{.FromImageID}}' "$BUILD_REF" | cut -c1-12)"
  log "done in $SECONDS s"
  echo "$RUNTIME_REF"
  echo "$BUILD_REF"
}

main
