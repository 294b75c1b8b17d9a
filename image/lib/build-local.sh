# shellcheck shell=bash
# The last steps of image/build.sh (sourced by it): the image copied where the user's own tools
# look, and what to do with it next.

# build_user_env CMD...: runs CMD (a function too) with the user's own container configuration
# instead of the state dir's (MEHDB_IMAGE_LOCAL_STORAGE_CONF names another storage.conf, as the
# tests do).
build_user_env() (
  unset CONTAINERS_CONF CONTAINERS_STORAGE_CONF CONTAINERS_REGISTRIES_CONF REGISTRIES_CONFIG_PATH
  [ -z "${MEHDB_IMAGE_LOCAL_STORAGE_CONF:-}" ] || export CONTAINERS_STORAGE_CONF=$MEHDB_IMAGE_LOCAL_STORAGE_CONF
  "$@"
)

# build_local BUILDER IMAGE TAG DIGEST: the image in podman's default storage (same manifest, so
# the same digest: `podman images --digests`), and in a Docker engine when one answers (docker
# keeps no registry digest for a loaded image; the tag is the same). Prints where it landed
# (podman, docker); a copy that fails is a warning.
build_local() {
  local builder=$1 image=$2 tag=$3 digest=$4 got tar="$IMAGE_STATE/tmp/docker-load.tar"
  step "into your container storage (podman${MEHDB_IMAGE_LOCAL_STORAGE_CONF:+, $MEHDB_IMAGE_LOCAL_STORAGE_CONF}; docker when an engine answers)"
  if [ "$builder" = docker ]; then
    log "built with docker: $image is in docker's engine already"
    echo docker
    return 0
  fi
  if build_user_env build_copy "$tag" "containers-storage:$image"; then
    if have podman; then
      got=$(build_user_env timeout 60 podman image inspect --format '{{.Digest}}' "$image" 2>/dev/null || true)
    else
      got=$(build_user_env timeout 60 skopeo inspect --format '{{.Digest}}' "containers-storage:$image" 2>/dev/null || true)
    fi
    if [ "$got" = "$digest" ]; then
      log "podman: $image@$digest (podman images --digests)"
      echo podman
    else
      log "WARNING: copied $image into your container storage, but it reports digest '${got:-none}', not $digest"
    fi
  else
    log "WARNING: could not copy $image into your container storage (podman's default); the image is only in $IMAGE_STATE"
  fi
  # `docker load` (not skopeo's docker-daemon:, which ignores DOCKER_HOST and docker contexts).
  have docker && timeout 10 docker info >/dev/null 2>&1 || return 0
  rm -f "$tar"
  if build_copy "$tag" "docker-archive:$tar:$image" && timeout "$COPY_TIMEOUT" docker load -q -i "$tar" >/dev/null; then
    log "docker: $image (docker images)"
    echo docker
  else
    log "WARNING: could not load $image into the Docker engine"
  fi
  rm -f "$tar"
}

# build_next_steps IMAGE DIGEST LOCAL: what to do with the image (stderr, after everything
# else); LOCAL lists where build_local put it.
build_next_steps() {
  local image=$1 digest=$2 local=$3 archive=${OPT[oci-archive]:-mehdb.oci.tar} pushed=${OPT[push]:-registry.example.com/team/mehdb}
  local tag=${image##*:}
  {
    echo
    echo "Next steps:"
    if [[ $local == *podman* ]]; then
      echo "  run it:      podman run --rm -p 9876:9876 $image"
      echo "               (a sandbox like this one needs runc, explicit ulimits and the host network:"
      echo "                CONTAINERS_CONF=$IMAGE_DIR/conf/run.containers.conf podman run --rm $image; see image/README.md)"
    fi
    [[ $local != *docker* ]] || echo "               docker run --rm -p 9876:9876 $image"
    if [ -n "${OPT[oci-archive]}" ]; then
      echo "  kind:        kind load image-archive $archive   (nodes need nfs-common for the NFS volumes)"
    else
      echo "  kind:        npm run image -- --oci-archive $archive && kind load image-archive $archive"
    fi
    if [ -n "${OPT[push]}" ]; then
      echo "  pushed:      $pushed:$tag@$digest"
    else
      echo "  registry:    npm run image -- --push $pushed   (log in first: podman login / skopeo login)"
    fi
    echo "  deploy that: echo '{\"mehdb\": {\"image\": \"$pushed:$tag@$digest\"}}' > prod.json"
    echo "               MEHDB_CONFIG=prod.json npm run synth -- --output dist-prod && kubectl apply -f dist-prod/"
    [ -z "${OPT[record]}" ] || echo "  commit:      npm run synth, then commit ${OPT[record]} and dist/ together"
  } >&2
}
