# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# Build phase of the test cluster: builds the binaries of the Go modules under cluster/ (and the
# NFS Ganesha provisioner from its source beside the repository) into a cache outside the
# repository, keyed by pinned versions and a hash of go.mod, go.sum and the Go sources, so that
# a warm run only checks the cache. Sourced by cluster/lib/cluster.sh; expects CLUSTER_DIR,
# REPO_DIR, CACHE_ROOT and scripts/lib/common.sh.

# Set by build_all: the cache's bin folder of each module, and the NFS provisioner to run.
BIN_k8s="" BIN_kubectl="" BIN_node="" BIN_pause="" BIN_netpol="" NFS_PROVISIONER_BIN=""
export BIN_k8s BIN_kubectl BIN_node BIN_pause BIN_netpol NFS_PROVISIONER_BIN

# mod_version DIR MODULE: the version DIR/go.mod requires of MODULE.
mod_version() {
  awk -v m="$2" '($1 == m && $2 ~ /^v/) {print $2; exit} ($1 == "require" && $2 == m) {print $3; exit}' "$1/go.mod"
}
K8S_VERSION=$(mod_version "$CLUSTER_DIR/k8s" k8s.io/kubernetes)
ETCD_VERSION=$(mod_version "$CLUSTER_DIR/k8s" go.etcd.io/etcd/server/v3)
CONTAINERD_VERSION=$(mod_version "$CLUSTER_DIR/node" github.com/containerd/containerd/v2)
COREDNS_VERSION=$(mod_version "$CLUSTER_DIR/node" github.com/coredns/coredns)
# The NFS Ganesha provisioner: kubernetes-sigs/nfs-ganesha-server-and-external-provisioner at
# this commit. Its module is refused by the Go module proxy here, so its source is read from
# MEHDB_NFS_PROVISIONER_SRC (default: the snapshot beside the repository).
NFS_PROVISIONER_MODULE=github.com/kubernetes-sigs/nfs-ganesha-server-and-external-provisioner
NFS_PROVISIONER_COMMIT=7027d6505a510673579c03db589bcb02cc8eda0b
NFS_PROVISIONER_SRC=${MEHDB_NFS_PROVISIONER_SRC:-$REPO_DIR/../shared/third_party/nfs-ganesha-server-and-external-provisioner}

# module_key DIR NAME VERSION LDFLAGS PACKAGE...: cache folder name for a module; the hash
# covers the Go version, the ldflags, the packages built and the module's sources.
module_key() {
  local dir=$1 name=$2 version=$3 ldflags=$4 hash
  shift 4
  hash=$( (cd "$dir" && go version && echo "$ldflags" && echo "$@" && find . -name '*.go' -o -name 'go.mod' -o -name 'go.sum' | LC_ALL=C sort | xargs cat) \
    | sha256sum | cut -c1-12)
  printf '%s-%s-%s' "$name" "$version" "$hash"
}

# with_progress LOG DESCRIPTION CMD...: runs CMD (output to LOG), printing a line every 30 s;
# on failure prints LOG and stops the run.
with_progress() {
  local logf=$1 what=$2; shift 2
  local start pid rc next=30
  start=$(date +%s)
  "$@" >"$logf" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    if (( $(date +%s) - start >= next )) && kill -0 "$pid" 2>/dev/null; then
      log "    still $what ($(( $(date +%s) - start ))s)"
      next=$(( next + 30 ))
    fi
  done
  rc=0; wait "$pid" || rc=$?
  if (( rc != 0 )); then
    cat "$logf" >&2
    die "$what failed (exit $rc); output above"
  fi
  log "    done $what in $(( $(date +%s) - start ))s"
}

# lock_cache_folder KEY WHAT: one builder per cache folder at a time (another run on this
# machine may be building it): waits for it (at most 40 min). unlock_cache_folder releases it.
lock_cache_folder() {
  exec {CACHE_LOCK_FD}>"$CACHE_ROOT/$1.lock"
  if ! flock -n "$CACHE_LOCK_FD"; then
    log "$2: another run is building $CACHE_ROOT/$1; waiting (at most 40 min)"
    flock -w 2400 "$CACHE_LOCK_FD" || die "timed out waiting for the lock on $CACHE_ROOT/$1"
  fi
}
unlock_cache_folder() { exec {CACHE_LOCK_FD}>&-; }

# build_module DIR NAME VERSION LDFLAGS PACKAGE...: sets BIN_<NAME> to the cache's bin folder.
build_module() {
  local dir=$1 name=$2 version=$3 ldflags=$4; shift 4
  local key bin start
  key=$(module_key "$dir" "$name" "$version" "$ldflags" "$@")
  bin="$CACHE_ROOT/$key/bin"
  lock_cache_folder "$key" "$name $version"
  if [[ -f "$CACHE_ROOT/$key/complete" ]]; then
    log "$name $version: cached in $CACHE_ROOT/$key"
  else
    start=$(date +%s)
    log "$name $version: building into $CACHE_ROOT/$key (first run on this machine; takes a while)"
    rm -rf "${CACHE_ROOT:?}/$key"
    mkdir -p "$bin"
    (cd "$dir" && with_progress "$bin/.build.log" "downloading $name modules" nice -n 10 go mod download) \
      || die "go mod download failed in $dir"
    local pkg
    for pkg in "$@"; do
      (cd "$dir" && with_progress "$bin/.build.log" "building $(basename "$pkg")" \
        nice -n 10 go build -trimpath -buildvcs=false -ldflags "-s -w $ldflags" -o "$bin/" "$pkg") \
        || die "building $pkg failed"
    done
    rm -f "$bin/.build.log"
    date -u +%FT%TZ >"$CACHE_ROOT/$key/complete"
    log "$name $version: built in $(( $(date +%s) - start ))s"
  fi
  unlock_cache_folder
  printf -v "BIN_${name//-/_}" '%s' "$bin"
}

# k8s_ldflags: the version stamp of the Kubernetes binaries (what `kubectl version` and the
# nodes report).
k8s_ldflags() {
  local vpkg=k8s.io/component-base/version minor=${K8S_VERSION#v1.}
  minor=${minor%%.*}
  echo "-X $vpkg.gitVersion=$K8S_VERSION -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean"
}

# build_k8s: sets BIN_k8s to the cache's folder of etcd and the Kubernetes binaries, building
# the k8s module only when the cache lacks it (used alone by cluster/k8s-bin.sh).
build_k8s() {
  have go || die "go is not on PATH (Go 1.26 is needed to build the cluster)"
  mkdir -p "$CACHE_ROOT"
  build_module "$CLUSTER_DIR/k8s" k8s "$K8S_VERSION" "$(k8s_ldflags)" \
    ./cmd/etcd \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy
}

# build_kubectl: sets BIN_kubectl; kubectl from the same module and version as the control
# plane (a cache folder of its own, so adding it did not rebuild the others).
build_kubectl() {
  build_module "$CLUSTER_DIR/k8s" kubectl "$K8S_VERSION" "$(k8s_ldflags)" k8s.io/kubernetes/cmd/kubectl
  PATH=$BIN_kubectl:$PATH
}

build_all() {
  build_k8s
  build_kubectl
  build_module "$CLUSTER_DIR/node" node "$CONTAINERD_VERSION" \
    "-X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" \
    github.com/containerd/containerd/v2/cmd/containerd \
    github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 \
    github.com/containerd/containerd/v2/cmd/ctr \
    github.com/coredns/coredns
  build_module "$CLUSTER_DIR/pause" pause v1 "" .
  build_netpol
  build_nfs_provisioner
  build_provisioner_image
}
