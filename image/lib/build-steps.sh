# shellcheck shell=bash
# The steps of image/build.sh (sourced by it after image/lib/image.sh). Each takes what it needs
# as arguments and prints its result on stdout; only the options (OPT, set by build.sh) and the
# state dir (IMAGE_STATE, IMAGE_POLICY) are shared. Every step is bounded: the image build (it
# fetches the compiler from the npm registry) and each copy or registry call.
BUILD_TIMEOUT=${MEHDB_IMAGE_BUILD_TIMEOUT:-900}
COPY_TIMEOUT=${MEHDB_IMAGE_COPY_TIMEOUT:-300}

# build_abs_path FILE: FILE from where the caller ran npm (INIT_CWD) or the shell.
build_abs_path() { case $1 in /*) echo "$1" ;; *) echo "${INIT_CWD:-$PWD}/$1" ;; esac; }

# build_tools: installs what is missing (as root, MEHDB_IMAGE_INSTALL=0 forbids), prints the builder.
build_tools() {
  local want=${OPT[builder]:-${MEHDB_IMAGE_BUILDER:-}}
  if [ -z "$want" ] && ! have buildah && ! have podman; then want=buildah; fi
  [ -z "$want" ] || image_require "$want"
  image_require skopeo node
  image_pick_builder "$want"
}

# build_context: the build context, datastore/ of the work tree (warning when what the image uses
# differs from the last commit), or with --git-ref a snapshot of it as committed.
build_context() {
  local ref=${OPT[git-ref]} snap="$IMAGE_STATE/src" dirty
  if [ -n "$ref" ]; then
    rm -rf "$snap" && mkdir -p "$snap"
    git -C "$REPO_ROOT" -c tar.umask=0022 archive "$ref" datastore | tar -x -C "$snap"
    log "sources: datastore/ at $ref ($(git -C "$REPO_ROOT" rev-parse --short "$ref"))"
    echo "$snap/datastore"
    return 0
  fi
  if git -C "$REPO_ROOT" rev-parse --git-dir >/dev/null 2>&1 && [ "$DATASTORE_DIR" = "$REPO_ROOT/datastore" ]; then
    dirty=$(git -C "$REPO_ROOT" status --porcelain -- datastore/package.json datastore/tsconfig.json \
      datastore/src datastore/Dockerfile datastore/.dockerignore)
    if [ -n "$dirty" ]; then
      log "WARNING: datastore/ has uncommitted changes that go into the image:"
      printf '%s\n' "$dirty" | sed 's/^/           /' >&2
      log "WARNING: a clean checkout builds another digest; commit them first or use --git-ref HEAD"
    fi
  fi
  echo "$DATASTORE_DIR"
}

# build_bases BUILDER CONTEXT: "<runtime base> <build base> <pull policy>": the local bases made
# from this machine's node (image/base.sh) unless told otherwise.
build_bases() {
  local builder=$1 context=$2 base=${OPT[base-image]} build=${OPT[build-image]} refs
  if [ "${OPT[public-base]}" = 1 ]; then
    echo "${base:-$(sed -n 's/^ARG BASE_IMAGE=//p' "$context/Dockerfile")}" \
      "${build:-$(sed -n 's/^ARG BUILD_IMAGE=//p' "$context/Dockerfile")}" missing
  elif [ -n "$base" ] && [ -n "$build" ]; then
    echo "$base $build missing"
  else
    [ "$builder" = docker ] && die "the local base is made with buildah; with docker pass --base-image/--build-image or --public-base"
    refs=$("$IMAGE_DIR/base.sh" --state-dir "$IMAGE_STATE")
    echo "${base:-$(sed -n 1p <<<"$refs")}" "${build:-$(sed -n 2p <<<"$refs")}" never
  fi
}

# build_image BUILDER CONTEXT IMAGE BASE BUILD_BASE PULL: one command for the three builders;
# buildah and podman take the same flags. BuildKit honours SOURCE_DATE_EPOCH for the config's
# timestamps, the legacy docker builder does not, so docker builds need not be reproducible.
build_image() {
  local builder=$1 context=$2 image=$3 base=$4 build_base=$5 pull=$6 cmd flags=() args ts types
  ts=$(image_tool locked "$REPO_ROOT/package-lock.json" typescript 2>/dev/null || true)
  types=$(image_tool locked "$REPO_ROOT/package-lock.json" @types/node 2>/dev/null || true)
  log "typescript ${ts:-<Dockerfile default>}, @types/node ${types:-<Dockerfile default>}"
  args=(--build-arg "MEHDB_VERSION=$(image_tool version "$context/package.json")")
  [ -n "$ts" ] && args+=(--build-arg "TYPESCRIPT_VERSION=$ts")
  [ -n "$types" ] && args+=(--build-arg "TYPES_NODE_VERSION=$types")
  args+=(--build-arg "BASE_IMAGE=$base" --build-arg "BUILD_IMAGE=$build_base")
  case $builder in
    buildah) cmd=(buildah bud) ;;
    podman) cmd=(podman build) ;;
    docker) cmd=(env "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH" docker build) ;;
    *) die "unknown builder $builder" ;;
  esac
  [ "$builder" = docker ] || flags=(--isolation chroot --layers)
  [ "${OPT[no-cache]}" = 1 ] && flags+=(--no-cache)
  if [ "$builder" = docker ]; then
    flags+=(--build-arg SOURCE_DATE_EPOCH)
  else
    flags+=(--pull="$pull" --identity-label=false --timestamp "$SOURCE_DATE_EPOCH" --format oci --signature-policy "$IMAGE_POLICY")
  fi
  timeout "$BUILD_TIMEOUT" "${cmd[@]}" "${flags[@]}" "${args[@]}" -f "$context/Dockerfile" -t "$image" "$context" >&2
}

# build_layout BUILDER IMAGE TAG: copies the image to the OCI layout $IMAGE_STATE/oci/mehdb (its
# manifest, gzip layers, is exactly what a push sends, so its digest is the one a registry and a
# kubelet see) and prints "<digest> <compressed> <unpacked>". A warm build that changed nothing
# gives the same image ID: the layout made for it is reused.
build_layout() {
  local builder=$1 image=$2 tag=$3 layout="$IMAGE_STATE/oci/mehdb" cache="$IMAGE_STATE/oci/mehdb.cache" id key src
  case $builder in
    buildah) id=$(buildah inspect --type image --format '{{.FromImageID}}' "$image") ;;
    *) id=$("$builder" image inspect --format '{{.Id}}' "$image") ;;
  esac
  key="$id $tag $(skopeo --version)"
  if [ -f "$cache" ] && [ "$(sed -n 1p "$cache")" = "$key" ] && [ -f "$layout/index.json" ]; then
    log "image ${id:0:12} unchanged: reusing $layout"
    sed -n 2p "$cache"
    return 0
  fi
  rm -rf "$layout" "$cache" && mkdir -p "$(dirname "$layout")"
  src="containers-storage:$image"
  if [ "$builder" = docker ]; then
    timeout "$COPY_TIMEOUT" docker save -o "$IMAGE_STATE/tmp/docker-save.tar" "$image"
    src="docker-archive:$IMAGE_STATE/tmp/docker-save.tar"
  fi
  timeout "$COPY_TIMEOUT" skopeo --policy "$IMAGE_POLICY" copy --quiet --format oci "$src" "oci:$layout:$tag" >&2
  rm -f "$IMAGE_STATE/tmp/docker-save.tar"
  printf '%s\n%s\n' "$key" "$(image_tool layout "$layout")" >"$cache"
  sed -n 2p "$cache"
}

# build_copy TAG DEST [SKOPEO_OPTION...]: the OCI layout copied to DEST with skopeo.
build_copy() {
  local tag=$1 dest=$2
  shift 2
  timeout "$COPY_TIMEOUT" skopeo --policy "$IMAGE_POLICY" copy --quiet "$@" "oci:$IMAGE_STATE/oci/mehdb:$tag" "$dest" >&2
}

# build_push REPO TAG DIGEST: pushes the layout (same blobs, same manifest), then asks the
# registry for the digest. Plain HTTP for loopback registries.
build_push() {
  local repo=$1 tag=$2 digest=$3 push_tls=() tls=() got
  case $repo in 127.*|localhost*|\[::1\]*) push_tls=(--dest-tls-verify=false) tls=(--tls-verify=false) ;; esac
  build_copy "$tag" "docker://$repo:$tag" "${push_tls[@]}"
  got=$(timeout "$COPY_TIMEOUT" skopeo inspect "${tls[@]}" --format '{{.Digest}}' "docker://$repo:$tag")
  [ "$got" = "$digest" ] || die "the registry reports $got for $repo:$tag, the build $digest"
  log "pushed: $repo:$tag@$got"
}
