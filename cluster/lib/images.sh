# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# Images for the real nodes, made here since nothing can be pulled from outside: the pod sandbox
# ("pause") image from our static pause binary, and the datastore image built by `npm run image`
# and checked against the reference the manifests pin. The datastore image is also served by a
# registry of the cluster's own (Debian's docker-registry on 127.0.0.1:5000 of the cluster's
# network namespace), which the nodes' containerd uses for `localhost/...` references, so that
# `imagePullPolicy: Always` really pulls, by digest. Sourced by cluster/lib/cluster.sh.

REGISTRY_ADDR=127.0.0.1:5000

# pinned_mehdb_image: the repo:tag@digest of the datastore image in the manifests.
pinned_mehdb_image() {
  grep -ho 'image: localhost/mehdb:[^ ]*@sha256:[0-9a-f]*' "$MANIFESTS"/*.yaml | head -n 1 | cut -d' ' -f2
}

# make_pause_image OUT: a docker-archive with one layer holding /pause, tagged $PAUSE_IMAGE.
make_pause_image() {
  local out=$1 tmp layer_id config_id
  tmp=$(mktemp -d)
  mkdir "$tmp/rootfs"
  cp "$BIN_pause/pause" "$tmp/rootfs/pause"
  tar -C "$tmp/rootfs" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$tmp/layer.tar" pause
  layer_id=$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$layer_id" >"$tmp/config.json"
  config_id=$(sha256sum "$tmp/config.json" | cut -d' ' -f1)
  mv "$tmp/config.json" "$tmp/$config_id.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$config_id" "$PAUSE_IMAGE" >"$tmp/manifest.json"
  tar -C "$tmp" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$out" manifest.json "$config_id.json" layer.tar
  rm -rf "$tmp"
}

# prepare_images: sets MEHDB_IMAGE_NAME (repo:tag) and MEHDB_IMAGE_DIGEST, writes the archives.
prepare_images() {
  local pinned built t
  mkdir -p "$STATE/images"
  make_pause_image "$STATE/images/pause.tar"
  pinned=$(pinned_mehdb_image)
  [[ -n $pinned ]] || die "no localhost/mehdb:<tag>@sha256:<digest> image in $MANIFESTS"
  t=$(date +%s)
  log "npm run image -- --git-ref HEAD --no-record --no-local --oci-archive $STATE/images/mehdb.tar"
  built=$(cd "$REPO_DIR" && bash image/build.sh --git-ref HEAD --no-record --no-local --oci-archive "$STATE/images/mehdb.tar" 2>"$STATE/image-build.log") \
    || { tail -n 30 "$STATE/image-build.log" >&2; die "the datastore image did not build (log above)"; }
  log "  built $built in $(( $(date +%s) - t ))s"
  [[ "${built#*@}" == "${pinned#*@}" ]] \
    || die "the manifests pin $pinned but the image built from HEAD is $built: run npm run image && npm run synth and commit image/mehdb-image.json and dist/"
  MEHDB_IMAGE_NAME=${pinned%@*}
  MEHDB_IMAGE_DIGEST=${pinned#*@}
}

# start_registry: the cluster's registry (scripts/lib/common.sh registry_start, in the cluster's
# network namespace, recorded for cluster_down), holding the datastore image under the pinned digest.
start_registry() {
  local policy=$REPO_DIR/image/conf/policy.json repo=${MEHDB_IMAGE_NAME#localhost/}
  registry_start "$STATE" "$REGISTRY_ADDR" cluster_registry_bg in_net \
    || { assert_alive registry; die "the registry did not answer after 30s"; }
  in_net skopeo --policy "$policy" copy --quiet --dest-tls-verify=false \
    "oci-archive:$STATE/images/mehdb.tar" "docker://$REGISTRY_ADDR/$repo" \
    || die "skopeo could not push the datastore image to the cluster's registry"
  in_net skopeo inspect --tls-verify=false "docker://$REGISTRY_ADDR/${repo%:*}@$MEHDB_IMAGE_DIGEST" >/dev/null \
    || die "the cluster's registry does not serve ${repo%:*}@$MEHDB_IMAGE_DIGEST"
  log "  registry: localhost/$repo@$MEHDB_IMAGE_DIGEST served from $REGISTRY_ADDR"
}
# cluster_registry_bg CMD...: starts the registry detached in the cluster's network namespace.
cluster_registry_bg() { start_bg registry in_net "$@"; }
