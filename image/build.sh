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
# shellcheck source=lib/image.sh
source "$(dirname "$0")/lib/image.sh"
# shellcheck source=lib/build-steps.sh
source "$IMAGE_DIR/lib/build-steps.sh"
# shellcheck source=lib/build-local.sh
source "$IMAGE_DIR/lib/build-local.sh"

# The options, read by the steps; everything else goes from step to step as arguments.
declare -A OPT=([record]=$IMAGE_RECORD_DEFAULT [push]="" [oci-archive]="" [docker-archive]=""
  [base-image]="" [build-image]="" [public-base]=0 [builder]="" [tag]="" [no-cache]=0 [git-ref]=""
  [state-dir]="" [local]=${MEHDB_IMAGE_LOCAL:-1})

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --record|--push|--oci-archive|--docker-archive|--base-image|--build-image|--builder|--tag|--git-ref|--state-dir)
        [ $# -ge 2 ] || die "$1 needs a value (see --help)"
        OPT[${1#--}]=$2; shift 2 ;;
      --no-record) OPT[record]=""; shift ;;
      --public-base|--no-cache) OPT[${1#--}]=1; shift ;;
      --no-local) OPT[local]=0; shift ;;
      -h|--help) usage_from_header; exit 0 ;;
      *) die "unknown option: $1 (see --help)" ;;
    esac
  done
}

# write_archive FORMAT FILE IMAGE TAG: an oci-archive or docker-archive of the layout.
write_archive() {
  local file; file=$(build_abs_path "$2")
  step "$1 $2"
  rm -f "$file"
  build_copy "$4" "$1:$file:$3"
  log "load with: podman load -i $2 (docker load -i for a docker-archive, kind load image-archive for an oci-archive)"
}

main() {
  parse_args "$@"
  local start=$SECONDS t builder context tag image bases base build_base pull sizes digest compressed unpacked
  local local_copies=""
  step "prepare"
  # As root with apt-get, the Debian tools are installed when missing (MEHDB_IMAGE_INSTALL=0 to
  # forbid): `npm run image` then works on a fresh machine too.
  builder=$(MEHDB_IMAGE_INSTALL=${MEHDB_IMAGE_INSTALL:-1} build_tools)
  image_state_setup "${OPT[state-dir]:-$(image_default_state_dir)}"
  context=$(build_context)
  [ -f "$context/Dockerfile" ] || die "no $context/Dockerfile"
  [ -f "$context/src/main.ts" ] || die "no $context/src/main.ts: the datastore package is not there yet"
  tag=${OPT[tag]:-$(image_tool version "$context/package.json")}
  image="$IMAGE_REPOSITORY:$tag"
  log "image $image, builder $builder ($("$builder" --version 2>/dev/null | head -1)), state $IMAGE_STATE"

  step "base images"
  bases=$(build_bases "$builder" "$context")
  read -r base build_base pull <<<"$bases"
  log "runtime base $base"
  log "build base   $build_base"

  step "build $image with $builder (context datastore/)"
  t=$SECONDS
  build_image "$builder" "$context" "$image" "$base" "$build_base" "$pull"
  log "built in $(( SECONDS - t )) s"

  step "manifest digest"
  sizes=$(build_layout "$builder" "$image" "$tag")
  read -r digest compressed unpacked <<<"$sizes"
  log "digest     $digest"
  log "size       $(numfmt --to=iec-i --suffix=B "$compressed") compressed, $(numfmt --to=iec-i --suffix=B "$unpacked") unpacked"

  if [ -n "${OPT[record]}" ]; then
    step "record"
    image_tool record "$(build_abs_path "${OPT[record]}")" repository="$IMAGE_REPOSITORY" tag="$tag" \
      digest="$digest" reference="$image@$digest" base="$base" buildBase="$build_base" \
      builtWith="$("$builder" --version 2>/dev/null | head -1)" compressed="$compressed" unpacked="$unpacked"
    log "wrote $(build_abs_path "${OPT[record]}")"
  fi
  if [ -n "${OPT[push]}" ]; then
    step "push ${OPT[push]}:$tag"
    build_push "${OPT[push]}" "$tag" "$digest"
  fi
  [ -z "${OPT[oci-archive]}" ] || write_archive oci-archive "${OPT[oci-archive]}" "$image" "$tag"
  [ -z "${OPT[docker-archive]}" ] || write_archive docker-archive "${OPT[docker-archive]}" "$image" "$tag"
  [ "${OPT[local]}" != 1 ] || local_copies=$(build_local "$builder" "$image" "$tag" "$digest")
  step "done in $(( SECONDS - start )) s"
  build_next_steps "$image" "$digest" "$local_copies"
  echo "$image@$digest"
}

main "$@"
