#!/usr/bin/env bash
# npm run image -- build the mehdb datastore image from datastore/Dockerfile without a Docker
# daemon, tag it localhost/mehdb:<datastore version>, and record its reference and manifest
# digest in image/mehdb-image.json (read by the cdk8s app; `npm run synth` never builds).
#
# Usage: image/build.sh [options]          (npm run image -- [options])
#   --record FILE        where to write the record (default image/mehdb-image.json);
#                        --no-record writes none
#   --push REPO          also push to REPO:<tag>, e.g. 127.0.0.1:5000/mehdb or
#                        registry.example.com/team/mehdb, and check the registry's digest
#   --oci-archive FILE   also write an oci-archive (podman load, kind load image-archive;
#                        keeps the manifest digest)
#   --docker-archive FILE  also write a docker-archive (docker load, podman load)
#   --base-image REF     runtime base (default: localhost/node-runtime:<node version>, made
#                        from this machine's node by image/base.sh when missing)
#   --build-image REF    build-stage base (default: localhost/node-build:<node version>)
#   --public-base        use the Dockerfile's public defaults instead (node:20-bookworm-slim
#                        and gcr.io/distroless/nodejs20-debian12:nonroot; needs a registry)
#   --builder NAME       buildah | podman | docker (default: the first one present; docker
#                        only where an engine answers)
#   --tag TAG            image tag (default: the datastore package version)
#   --no-cache           rebuild every step (the digest must not change)
#   --git-ref REF        build datastore/ as committed at REF (e.g. HEAD) instead of the work
#                        tree, so uncommitted edits cannot leak into the recorded digest
#   --state-dir DIR      container storage and configuration (default /var/lib/mehdb-image
#                        as root, else ~/.local/share/mehdb-image)
#   --no-local           do not copy the image into your own container storage (below)
# Prints the image reference (repository:tag@digest) on stdout; progress goes to stderr, ending
# with the next steps (run it, kind load, push, point MEHDB_CONFIG at the pushed image).
#
# The build happens in the state dir; then the image is copied, same manifest and digest, into
# the container storage of the user running the command (podman's default storage, or the
# storage.conf that MEHDB_IMAGE_LOCAL_STORAGE_CONF names), so `podman images` lists it and
# `podman run localhost/mehdb:<tag>` works; and into a Docker engine's when one answers.
#
# Reproducible: every timestamp is SOURCE_DATE_EPOCH (default 0), the compiler versions are
# the ones of package-lock.json, and the local base is made deterministically, so the same
# sources and base give the same digest.
set -euo pipefail
LOG_TAG=image:build
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

RECORD="$RECORD_FILE_DEFAULT"
PUSH=""
OCI_ARCHIVE=""
DOCKER_ARCHIVE=""
BASE_IMAGE=""
BUILD_IMAGE=""
PUBLIC_BASE=0
BUILDER=""
TAG=""
NO_CACHE=0
GIT_REF=""
STATE=""
LOCAL=${MEHDB_IMAGE_LOCAL:-1}
LOCAL_PODMAN=""
LOCAL_DOCKER=""
REPOSITORY="$REPOSITORY_DEFAULT"
# Every step is bounded: the image build (it fetches the compiler from the npm registry), and
# each copy or registry call.
BUILD_TIMEOUT=${MEHDB_IMAGE_BUILD_TIMEOUT:-900}
COPY_TIMEOUT=${MEHDB_IMAGE_COPY_TIMEOUT:-300}

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --record) RECORD=$2; shift 2 ;;
      --no-record) RECORD=""; shift ;;
      --push) PUSH=$2; shift 2 ;;
      --oci-archive) OCI_ARCHIVE=$2; shift 2 ;;
      --docker-archive) DOCKER_ARCHIVE=$2; shift 2 ;;
      --base-image) BASE_IMAGE=$2; shift 2 ;;
      --build-image) BUILD_IMAGE=$2; shift 2 ;;
      --public-base) PUBLIC_BASE=1; shift ;;
      --builder) BUILDER=$2; shift 2 ;;
      --tag) TAG=$2; shift 2 ;;
      --no-cache) NO_CACHE=1; shift ;;
      --git-ref) GIT_REF=$2; shift 2 ;;
      --state-dir) STATE=$2; shift 2 ;;
      --no-local) LOCAL=0; shift ;;
      -h|--help) usage_from_header; exit 0 ;;
      *) die "unknown option: $1 (see --help)" ;;
    esac
  done
}

# Absolute path of a file the caller named relative to where it ran npm (INIT_CWD) or the shell.
abs_path() {
  case $1 in
    /*) echo "$1" ;;
    *) echo "${INIT_CWD:-$PWD}/$1" ;;
  esac
}

# Exact version of a package in the repository's package-lock.json (hoisted workspace deps).
locked_version() {
  node -e '
    const lock = require(process.argv[1]);
    const p = lock.packages && (lock.packages["node_modules/" + process.argv[2]] ||
      lock.packages["datastore/node_modules/" + process.argv[2]]);
    console.log(p ? p.version : "");' "$REPO_ROOT/package-lock.json" "$1" 2>/dev/null || true
}

# The build context: the work tree's datastore/ (warning when what the image uses differs from
# the last commit), or with --git-ref a snapshot of it as committed.
check_sources() {
  if [ -n "$GIT_REF" ]; then
    local snap="$STATE_DIR/src"
    rm -rf "$snap" && mkdir -p "$snap"
    git -C "$REPO_ROOT" -c tar.umask=0022 archive "$GIT_REF" datastore | tar -x -C "$snap"
    DATASTORE_DIR="$snap/datastore"
    log "sources: datastore/ at $GIT_REF ($(git -C "$REPO_ROOT" rev-parse --short "$GIT_REF"))"
  elif git -C "$REPO_ROOT" rev-parse --git-dir >/dev/null 2>&1 && [ "$DATASTORE_DIR" = "$REPO_ROOT/datastore" ]; then
    local dirty
    dirty=$(git -C "$REPO_ROOT" status --porcelain -- datastore/package.json datastore/tsconfig.json \
      datastore/src datastore/Dockerfile datastore/.dockerignore)
    if [ -n "$dirty" ]; then
      log "WARNING: datastore/ has uncommitted changes that go into the image:"
      printf '%s\n' "$dirty" | sed 's/^/           /' >&2
      log "WARNING: a clean checkout builds another digest; commit them first or use --git-ref HEAD"
    fi
  fi
}

phase_prepare() {
  step "prepare"
  # As root with apt-get, install the Debian tools when no builder is there (MEHDB_IMAGE_INSTALL=0
  # to forbid): `npm run image` then works on a fresh machine too.
  if [ -z "$BUILDER" ] && [ -z "${MEHDB_IMAGE_BUILDER:-}" ] && ! have buildah && ! have podman; then
    MEHDB_IMAGE_INSTALL=${MEHDB_IMAGE_INSTALL:-1} ensure_tools buildah skopeo
  fi
  BUILDER=${BUILDER:-$(MEHDB_IMAGE_BUILDER=${MEHDB_IMAGE_BUILDER:-} pick_builder)}
  MEHDB_IMAGE_INSTALL=${MEHDB_IMAGE_INSTALL:-1} ensure_tools "$BUILDER" skopeo node
  setup_state "${STATE:-$(default_state_dir)}"
  check_sources
  [ -f "$DATASTORE_DIR/Dockerfile" ] || die "no $DATASTORE_DIR/Dockerfile"
  [ -f "$DATASTORE_DIR/src/main.ts" ] || die "no $DATASTORE_DIR/src/main.ts: the datastore package is not there yet"
  TAG=${TAG:-$(datastore_version)}
  IMAGE="$REPOSITORY:$TAG"
  TS_VERSION=$(locked_version typescript)
  TYPES_NODE_VERSION=$(locked_version @types/node)
  BUILD_ARGS=(--build-arg "MEHDB_VERSION=$(datastore_version)")
  [ -n "$TS_VERSION" ] && BUILD_ARGS+=(--build-arg "TYPESCRIPT_VERSION=$TS_VERSION")
  [ -n "$TYPES_NODE_VERSION" ] && BUILD_ARGS+=(--build-arg "TYPES_NODE_VERSION=$TYPES_NODE_VERSION")
  log "image $IMAGE, builder $BUILDER ($("$BUILDER" --version 2>/dev/null | head -1)), state $STATE_DIR"
  log "typescript ${TS_VERSION:-<Dockerfile default>}, @types/node ${TYPES_NODE_VERSION:-<Dockerfile default>}"
}

# The base images: local ones from this machine's node unless told otherwise.
phase_base() {
  step "base images"
  if [ "$PUBLIC_BASE" = 1 ]; then
    BASE_IMAGE=${BASE_IMAGE:-$(sed -n 's/^ARG BASE_IMAGE=//p' "$DATASTORE_DIR/Dockerfile")}
    BUILD_IMAGE=${BUILD_IMAGE:-$(sed -n 's/^ARG BUILD_IMAGE=//p' "$DATASTORE_DIR/Dockerfile")}
    PULL=missing
  elif [ -z "$BASE_IMAGE" ] || [ -z "$BUILD_IMAGE" ]; then
    [ "$BUILDER" = docker ] && die "the local base is made with buildah; with docker pass --base-image/--build-image or --public-base"
    local refs
    refs=$("$IMAGE_DIR/base.sh" --state-dir "$STATE_DIR")
    BASE_IMAGE=${BASE_IMAGE:-$(sed -n 1p <<<"$refs")}
    BUILD_IMAGE=${BUILD_IMAGE:-$(sed -n 2p <<<"$refs")}
    PULL=never
  else
    PULL=missing
  fi
  log "runtime base $BASE_IMAGE"
  log "build base   $BUILD_IMAGE"
}

phase_build() {
  step "build $IMAGE with $BUILDER (context datastore/)"
  local start cache=()
  start=$(now)
  [ "$NO_CACHE" = 1 ] && cache=(--no-cache)
  BUILD_ARGS+=(--build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "BUILD_IMAGE=$BUILD_IMAGE")
  case $BUILDER in
    buildah)
      timeout "$BUILD_TIMEOUT" buildah bud --isolation chroot --layers "${cache[@]}" --pull="$( [ "$PULL" = never ] && echo never || echo missing)" \
        --identity-label=false --timestamp "$SOURCE_DATE_EPOCH" --format oci \
        --signature-policy "$POLICY" "${BUILD_ARGS[@]}" \
        -f "$DATASTORE_DIR/Dockerfile" -t "$IMAGE" "$DATASTORE_DIR" >&2 ;;
    podman)
      timeout "$BUILD_TIMEOUT" podman build --isolation chroot --layers "${cache[@]}" --pull="$( [ "$PULL" = never ] && echo never || echo missing)" \
        --identity-label=false --timestamp "$SOURCE_DATE_EPOCH" --format oci \
        --signature-policy "$POLICY" "${BUILD_ARGS[@]}" \
        -f "$DATASTORE_DIR/Dockerfile" -t "$IMAGE" "$DATASTORE_DIR" >&2 ;;
    docker)
      # BuildKit honours SOURCE_DATE_EPOCH for the config's timestamps; the legacy builder
      # does not, so docker builds need not be reproducible.
      SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH timeout "$BUILD_TIMEOUT" docker build "${cache[@]}" --build-arg SOURCE_DATE_EPOCH \
        "${BUILD_ARGS[@]}" -f "$DATASTORE_DIR/Dockerfile" -t "$IMAGE" "$DATASTORE_DIR" >&2 ;;
    *) die "unknown builder $BUILDER" ;;
  esac
  log "built in $(since "$start") s"
}

# The built image's ID (its config digest).
image_id() {
  case $BUILDER in
    docker) docker image inspect --format '{{.Id}}' "$IMAGE" ;;
    *) buildah inspect --type image --format '{{.FromImageID}}' "$IMAGE" ;;
  esac
}

# "<compressed> <unpacked>" bytes of the image in an OCI layout: the manifest's blobs (config
# and gzip layers), and the layers' uncompressed tar streams (what `podman images` shows).
layout_sizes() {
  node -e '
    const fs = require("fs"), zlib = require("zlib"), dir = process.argv[1];
    const blob = (d) => dir + "/blobs/" + d.replace(":", "/");
    const idx = JSON.parse(fs.readFileSync(dir + "/index.json", "utf8"));
    const m = JSON.parse(fs.readFileSync(blob(idx.manifests[0].digest), "utf8"));
    const compressed = m.layers.reduce((n, l) => n + l.size, m.config.size);
    const unpacked = m.layers.reduce((n, l) => n + zlib.gunzipSync(fs.readFileSync(blob(l.digest))).length, 0);
    console.log(compressed, unpacked);' "$1"
}

# Copy the image to an OCI layout in the state dir: its manifest (gzip layers) is exactly what
# a push sends, so its digest is the one a registry and a kubelet see.
phase_digest() {
  step "manifest digest"
  local src id key cache
  LAYOUT="$STATE_DIR/oci/mehdb"
  cache="$STATE_DIR/oci/mehdb.cache"
  id=$(image_id)
  # A warm build that changed nothing gives the same image ID: reuse the layout made for it.
  key="$id $TAG $(skopeo --version)"
  if [ -f "$cache" ] && [ "$(sed -n 1p "$cache")" = "$key" ] && [ -f "$LAYOUT/index.json" ]; then
    read -r DIGEST COMPRESSED UNPACKED < <(sed -n 2p "$cache")
    log "image ${id:0:12} unchanged: reusing $LAYOUT"
  else
    rm -rf "$LAYOUT" "$cache" && mkdir -p "$(dirname "$LAYOUT")"
    if [ "$BUILDER" = docker ]; then
      timeout "$COPY_TIMEOUT" docker save -o "$STATE_DIR/tmp/docker-save.tar" "$IMAGE"
      src="docker-archive:$STATE_DIR/tmp/docker-save.tar"
    else
      src="containers-storage:$IMAGE"
    fi
    timeout "$COPY_TIMEOUT" skopeo --policy "$POLICY" copy --quiet --format oci "$src" "oci:$LAYOUT:$TAG" >&2
    rm -f "$STATE_DIR/tmp/docker-save.tar"
    DIGEST=$(oci_layout_digest "$LAYOUT")
    read -r COMPRESSED UNPACKED < <(layout_sizes "$LAYOUT")
    printf '%s\n%s %s %s\n' "$key" "$DIGEST" "$COMPRESSED" "$UNPACKED" >"$cache"
  fi
  REFERENCE="$IMAGE@$DIGEST"
  log "digest     $DIGEST"
  log "size       $(numfmt --to=iec-i --suffix=B "$COMPRESSED") compressed, $(numfmt --to=iec-i --suffix=B "$UNPACKED") unpacked ($(node -p 'process.argv[1] / 1e6' "$COMPRESSED") MB / $(node -p 'process.argv[1] / 1e6' "$UNPACKED") MB)"
}

phase_record() {
  [ -n "$RECORD" ] || return 0
  step "record"
  local file; file=$(abs_path "$RECORD")
  mkdir -p "$(dirname "$file")"
  REPOSITORY="$REPOSITORY" TAG="$TAG" DIGEST="$DIGEST" REFERENCE="$REFERENCE" \
  BASE_IMAGE="$BASE_IMAGE" BUILD_IMAGE="$BUILD_IMAGE" COMPRESSED="$COMPRESSED" UNPACKED="$UNPACKED" \
  BUILT_WITH="$("$BUILDER" --version 2>/dev/null | head -1)" \
    node -e '
      const e = process.env;
      const record = {
        repository: e.REPOSITORY, tag: e.TAG, digest: e.DIGEST, reference: e.REFERENCE,
        base: e.BASE_IMAGE, buildBase: e.BUILD_IMAGE, builtWith: e.BUILT_WITH,
        sizeBytes: { compressed: Number(e.COMPRESSED), unpacked: Number(e.UNPACKED) },
      };
      require("fs").writeFileSync(process.argv[1], JSON.stringify(record, null, 2) + "\n");' "$file"
  log "wrote $file"
}

# Push the OCI layout (same blobs, same manifest), then ask the registry for the digest.
phase_push() {
  [ -n "$PUSH" ] || return 0
  step "push $PUSH:$TAG"
  local tls=() got
  case $PUSH in 127.*|localhost*|\[::1\]*) tls=(--dest-tls-verify=false) ;; esac
  timeout "$COPY_TIMEOUT" skopeo --policy "$POLICY" copy --quiet "${tls[@]}" "oci:$LAYOUT:$TAG" "docker://$PUSH:$TAG" >&2
  [ ${#tls[@]} -gt 0 ] && tls=(--tls-verify=false)
  got=$(timeout "$COPY_TIMEOUT" skopeo inspect "${tls[@]}" --format '{{.Digest}}' "docker://$PUSH:$TAG")
  [ "$got" = "$DIGEST" ] || die "the registry reports $got for $PUSH:$TAG, the build $DIGEST"
  log "pushed: $PUSH:$TAG@$got"
}

# Runs a command with the user's own container configuration instead of the state dir's.
user_env() {
  local unset=(-u CONTAINERS_CONF -u CONTAINERS_STORAGE_CONF -u CONTAINERS_REGISTRIES_CONF -u REGISTRIES_CONFIG_PATH)
  if [ -n "${MEHDB_IMAGE_LOCAL_STORAGE_CONF:-}" ]; then
    env "${unset[@]}" CONTAINERS_STORAGE_CONF="$MEHDB_IMAGE_LOCAL_STORAGE_CONF" "$@"
  else
    env "${unset[@]}" "$@"
  fi
}

# The image where the user's tools look: podman's default storage (same manifest, so the same
# digest: `podman images --digests`), and a Docker engine when one answers (docker keeps no
# registry digest for a loaded image; the tag is the same).
phase_local() {
  [ "$LOCAL" = 1 ] || return 0
  step "into your container storage (podman${MEHDB_IMAGE_LOCAL_STORAGE_CONF:+, $MEHDB_IMAGE_LOCAL_STORAGE_CONF}; docker when an engine answers)"
  if [ "$BUILDER" = docker ]; then
    LOCAL_DOCKER=$IMAGE
    log "built with docker: $IMAGE is in docker's engine already"
    return 0
  fi
  local got
  if user_env timeout "$COPY_TIMEOUT" skopeo --policy "$POLICY" copy --quiet "oci:$LAYOUT:$TAG" "containers-storage:$IMAGE" >&2; then
    if have podman; then
      got=$(user_env timeout 60 podman image inspect --format '{{.Digest}}' "$IMAGE" 2>/dev/null || true)
    else
      got=$(user_env timeout 60 skopeo inspect --format '{{.Digest}}' "containers-storage:$IMAGE" 2>/dev/null || true)
    fi
    if [ "$got" = "$DIGEST" ]; then
      LOCAL_PODMAN=$REFERENCE
      log "podman: $REFERENCE (podman images --digests)"
    else
      log "WARNING: copied $IMAGE into your container storage, but it reports digest '${got:-none}', not $DIGEST"
    fi
  else
    log "WARNING: could not copy $IMAGE into your container storage (podman's default); the image is only in $STATE_DIR"
  fi
  # `docker load` (not skopeo's docker-daemon:, which ignores DOCKER_HOST and docker contexts).
  if have docker && timeout 10 docker info >/dev/null 2>&1; then
    local tar="$STATE_DIR/tmp/docker-load.tar"
    rm -f "$tar"
    if timeout "$COPY_TIMEOUT" skopeo --policy "$POLICY" copy --quiet "oci:$LAYOUT:$TAG" "docker-archive:$tar:$IMAGE" >&2 &&
       timeout "$COPY_TIMEOUT" docker load -q -i "$tar" >/dev/null; then
      LOCAL_DOCKER=$IMAGE
      log "docker: $IMAGE (docker images)"
    else
      log "WARNING: could not load $IMAGE into the Docker engine"
    fi
    rm -f "$tar"
  fi
}

# What to do with the image next (stderr, after everything else).
next_steps() {
  local archive=${OCI_ARCHIVE:-mehdb.oci.tar} pushed=${PUSH:-registry.example.com/team/mehdb}
  {
    echo
    echo "Next steps:"
    if [ -n "$LOCAL_PODMAN" ]; then
      echo "  run it:      podman run --rm -p 9876:9876 $IMAGE"
      echo "               (a sandbox like this one needs runc, explicit ulimits and the host network:"
      echo "                CONTAINERS_CONF=$IMAGE_DIR/conf/run.containers.conf podman run --rm $IMAGE; see image/README.md)"
    fi
    if [ -n "$LOCAL_DOCKER" ]; then echo "               docker run --rm -p 9876:9876 $IMAGE"; fi
    if [ -n "$OCI_ARCHIVE" ]; then
      echo "  kind:        kind load image-archive $OCI_ARCHIVE   (nodes need nfs-common for the NFS volumes)"
    else
      echo "  kind:        npm run image -- --oci-archive $archive && kind load image-archive $archive"
    fi
    if [ -n "$PUSH" ]; then
      echo "  pushed:      $PUSH:$TAG@$DIGEST"
    else
      echo "  registry:    npm run image -- --push $pushed   (log in first: podman login / skopeo login)"
    fi
    echo "  deploy that: echo '{\"mehdb\": {\"image\": \"$pushed:$TAG@$DIGEST\"}}' > prod.json"
    echo "               MEHDB_CONFIG=prod.json npm run synth -- --output dist-prod && kubectl apply -f dist-prod/"
    if [ -n "$RECORD" ]; then echo "  commit:      npm run synth, then commit $RECORD and dist/ together"; fi
  } >&2
}

phase_archives() {
  if [ -n "$OCI_ARCHIVE" ]; then
    step "oci-archive $OCI_ARCHIVE"
    rm -f "$(abs_path "$OCI_ARCHIVE")"
    timeout "$COPY_TIMEOUT" skopeo --policy "$POLICY" copy --quiet "oci:$LAYOUT:$TAG" "oci-archive:$(abs_path "$OCI_ARCHIVE"):$IMAGE" >&2
    log "load with: podman load -i $OCI_ARCHIVE, or kind load image-archive $OCI_ARCHIVE"
  fi
  if [ -n "$DOCKER_ARCHIVE" ]; then
    step "docker-archive $DOCKER_ARCHIVE"
    rm -f "$(abs_path "$DOCKER_ARCHIVE")"
    timeout "$COPY_TIMEOUT" skopeo --policy "$POLICY" copy --quiet "oci:$LAYOUT:$TAG" "docker-archive:$(abs_path "$DOCKER_ARCHIVE"):$IMAGE" >&2
    log "load with: docker load -i $DOCKER_ARCHIVE, or podman load -i $DOCKER_ARCHIVE"
  fi
}

main() {
  parse_args "$@"
  local start; start=$(now)
  phase_prepare
  phase_base
  phase_build
  phase_digest
  phase_record
  phase_push
  phase_archives
  phase_local
  step "done in $(since "$start") s"
  next_steps
  echo "$REFERENCE"
}

main "$@"
