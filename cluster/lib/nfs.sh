# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# The real NFS Ganesha provisioner, run out of cluster with the args and env of the provisioner
# Deployment of the applied manifests and a token of that Deployment's ServiceAccount, so that
# the manifests' own RBAC is what authorizes it. It runs in the cluster's network namespace and
# in a mount and PID namespace of its own: /export is the run's export folder, /run and
# /var/lib/nfs are private, and the daemons it starts (rpcbind, rpc.statd, dbus-daemon,
# ganesha.nfsd) all end with that PID namespace. Sourced by cluster/lib/cluster.sh.

# provisioner_kubeconfig NAMESPACE SERVICEACCOUNT: a kubeconfig with a token of that account.
provisioner_kubeconfig() {
  local token
  token=$(kubectl create token "$2" -n "$1" --duration=24h) || die "kubectl create token $2 -n $1 failed"
  cat >"$STATE/kubeconfig/nfs-provisioner" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CLUSTER_NAME
  cluster: {server: "https://$API_ADDR:$API_PORT", certificate-authority: "$STATE/pki/ca.crt"}
users:
- name: $1:$2
  user: {token: "$token"}
contexts:
- name: nfs-provisioner
  context: {cluster: $CLUSTER_NAME, user: "$1:$2"}
current-context: nfs-provisioner
EOF
}

# read_provisioner_spec MANIFEST_DIR: PROV_NS, PROV_SA, PROV_ARGS and PROV_ENVS from the
# provisioner Deployment of the manifests (cluster/lib/provisioner-spec.js), read once.
read_provisioner_spec() {
  local key value
  PROV_NS="" PROV_SA="" PROV_ARGS=() PROV_ENVS=()
  while read -r key value; do
    case $key in
      namespace) PROV_NS=$value ;;
      serviceaccount) PROV_SA=$value ;;
      arg) PROV_ARGS+=("$value") ;;
      env) PROV_ENVS+=("$value") ;;
    esac
  done < <(node "$CLUSTER_DIR/lib/provisioner-spec.js" "$1")
  [[ -n $PROV_NS ]] || die "could not read the provisioner Deployment from $1"
}

# start_nfs_provisioner: starts the provisioner of read_provisioner_spec (the real one, or the
# stand-in when the real one could not be built).
start_nfs_provisioner() {
  local ns=$PROV_NS sa=$PROV_SA args=("${PROV_ARGS[@]}") envs=("${PROV_ENVS[@]}")
  wait_for 60 "ServiceAccount $ns/$sa" kubectl get serviceaccount "$sa" -n "$ns" || die "ServiceAccount $ns/$sa missing"
  provisioner_kubeconfig "$ns" "$sa"
  args+=("-kubeconfig=$STATE/kubeconfig/nfs-provisioner" "-server-hostname=$NFS_ADDR")
  if [[ $NFS_PROVISIONER_KIND == stand-in ]]; then
    log "!!!! STAND-IN provisioner: claims bind, but no NFS server runs"
    start_bg nfs-provisioner in_net env "${envs[@]}" "$NFS_PROVISIONER_BIN" "${args[@]}" -export-dir="$STATE/export"
    return 0
  fi
  # No grace period: this server's state does not survive a run, and clients must not wait.
  [[ " ${args[*]} " == *" -grace-period="* ]] || args+=(-grace-period=0)
  [[ -d /export ]] || { mkdir /export && touch "$STATE/created-export"; }
  mkdir -p "$STATE/nfs"
  [[ -d $STATE/nfs/var-lib-nfs ]] || cp -a /var/lib/nfs "$STATE/nfs/var-lib-nfs"
  log "  NFS Ganesha provisioner: ${args[*]}"
  start_bg nfs-provisioner in_net unshare --mount --pid --fork --kill-child --mount-proc --propagation private -- \
    env "${envs[@]}" bash "$CLUSTER_DIR/lib/nfs-server-init.sh" "$STATE" "$NFS_PROVISIONER_BIN" "${args[@]}"
  wait_for 90 "NFS Ganesha on $NFS_ADDR:2049" bash -c "exec 3<>/dev/tcp/$NFS_ADDR/2049" \
    || { assert_alive nfs-provisioner; tail -n 30 "$STATE/logs/nfs-provisioner.log" >&2; die "NFS Ganesha not listening after 90s"; }
  log "  NFS Ganesha serves $NFS_ADDR:2049 (exports under $STATE/export)"
}
