# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# The NFS Ganesha provisioner's build, part of the build phase (cluster/lib/build.sh: build_all).
# Sourced by cluster/lib/cluster.sh after build.sh.

# build_nfs_provisioner: sets NFS_PROVISIONER_BIN. Built from the source snapshot (a writable
# copy in the cache, GOFLAGS=-mod=mod because the snapshot has no vendor/ folder), else with
# `go install` of the module at the pinned commit; neither: the run stops and says where the
# source is expected (the provisioner runs as the manifests' own pod, so there is no stand-in).
build_nfs_provisioner() {
  local key dir
  if [[ -d "$NFS_PROVISIONER_SRC/cmd/nfs-provisioner" ]]; then
    key=nfs-ganesha-provisioner-${NFS_PROVISIONER_COMMIT:0:7}-$( (cd "$NFS_PROVISIONER_SRC" && go version \
      && find . -name '*.go' -o -name go.mod -o -name go.sum | LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-12)
    dir=$CACHE_ROOT/$key
    if [[ ! -f $dir/complete ]]; then
      log "NFS Ganesha provisioner ${NFS_PROVISIONER_COMMIT:0:7}: building from $NFS_PROVISIONER_SRC"
      rm -rf "$dir" && mkdir -p "$dir/bin"
      cp -r "$NFS_PROVISIONER_SRC" "$dir/src" && chmod -R u+w "$dir/src"
      (cd "$dir/src" && with_progress "$dir/build.log" "building nfs-provisioner" \
        env GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 10 go build -trimpath -o "$dir/bin/" ./cmd/nfs-provisioner)
      rm -rf "$dir/src"
      date -u +%FT%TZ >"$dir/complete"
    fi
  else
    key=nfs-ganesha-provisioner-${NFS_PROVISIONER_COMMIT:0:7}-installed
    dir=$CACHE_ROOT/$key
    if [[ ! -f $dir/complete ]]; then
      log "NFS Ganesha provisioner: no source at $NFS_PROVISIONER_SRC; trying go install of the module"
      mkdir -p "$dir/bin"
      if ! GOBIN=$dir/bin CGO_ENABLED=0 go install "$NFS_PROVISIONER_MODULE/cmd/nfs-provisioner@$NFS_PROVISIONER_COMMIT" >"$dir/build.log" 2>&1; then
        sed 's/^/  /' "$dir/build.log" >&2
        rm -rf "$dir"
        die "the NFS Ganesha provisioner could not be built: no source at $NFS_PROVISIONER_SRC and go install" \
          "of $NFS_PROVISIONER_MODULE@${NFS_PROVISIONER_COMMIT:0:7} failed (above). Put a checkout of that commit" \
          "there or point MEHDB_NFS_PROVISIONER_SRC at one."
      fi
      date -u +%FT%TZ >"$dir/complete"
    fi
  fi
  NFS_PROVISIONER_BIN=$dir/bin/nfs-provisioner
}
