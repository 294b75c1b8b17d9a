# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# The real nodes, the control-plane node `master` and the workers: per node its own containerd
# (v2, runc, CNI bridge/host-local/loopback/portmap), address, pod subnet, root folders and
# cgroup root, and a kubelet with the node's own client certificate. The images are loaded, never pulled. Sourced by cluster/lib/cluster.sh.

CNI_BIN_DIR=/usr/lib/cni

# make_cgroup_root NODE: kubelet's cgroupRoot must exist in every v1 hierarchy beforehand.
make_cgroup_root() {
  local h dir
  for h in /sys/fs/cgroup/*/; do
    [[ -L ${h%/} ]] && continue
    dir=$h${CGROUP_PARENT#/}/$1
    mkdir -p "$dir"
    if [[ -f $h/cpuset.cpus ]]; then
      cp "$h/cpuset.cpus" "$h${CGROUP_PARENT#/}/cpuset.cpus"; cp "$h/cpuset.mems" "$h${CGROUP_PARENT#/}/cpuset.mems"
      cp "$h/cpuset.cpus" "$dir/cpuset.cpus"; cp "$h/cpuset.mems" "$dir/cpuset.mems"
    fi
  done
}

# render TEMPLATE OUT NODE: fills a node template of cluster/lib.
render() {
  local node=$3 d
  d=$(node_dir "$node")
  sed -e "s#@DIR@#$d#g" -e "s#@NODE@#$node#g" -e "s#@ADDR@#$(node_addr "$node")#g" \
    -e "s#@SUBNET@#$(node_pod_subnet "$node")#g" -e "s#@BRIDGE@#mehdb$(node_index "$node")#g" \
    -e "s#@PAUSE@#$PAUSE_IMAGE#g" -e "s#@CNI_BIN@#$CNI_BIN_DIR#g" -e "s#@DNS@#$DNS_ADDR#g" \
    -e "s#@CA@#$STATE/pki/ca.crt#g" -e "s#@CGROUP@#$CGROUP_PARENT/$node#g" \
    "$CLUSTER_DIR/lib/$1" >"$2"
}

ctr_node() { "$BIN_node/ctr" --address "$(node_dir "$1")/containerd.sock" --namespace k8s.io "${@:2}"; }

# start_containerd NODE
start_containerd() {
  local node=$1 d
  d=$(node_dir "$node")
  mkdir -p "$d/net.d" "$d/cni-ipam" "$d/pod-logs" "$d/volume-plugins"
  render containerd.toml.in "$d/containerd.toml" "$node"
  render cni.conflist.in "$d/net.d/10-mehdb.conflist" "$node"
  write_registry_hosts "$d/certs.d"
  make_cgroup_root "$node"
  start_bg "containerd-$node" in_nodes env PATH="$BIN_node:/usr/sbin:/usr/bin:/sbin:/bin" \
    "$BIN_node/containerd" --config "$d/containerd.toml"
  wait_for 60 "containerd of $node" ctr_node "$node" version \
    || { assert_alive "containerd-$node"; die "containerd of $node did not answer after 60s"; }
}

# load_images NODE: the pause image and the datastore image, under the exact reference that
# dist/ pins (a repo:tag@digest reference is found by its digest name, so that is tagged too).
load_images() {
  local node=$1
  ctr_node "$node" images import "$STATE/images/pause.tar" >/dev/null
  ctr_node "$node" images import "$STATE/images/mehdb.tar" >/dev/null
  ctr_node "$node" images tag --force "$MEHDB_IMAGE_NAME" "${MEHDB_IMAGE_NAME%:*}@$MEHDB_IMAGE_DIGEST" >/dev/null
}

# start_kubelet NODE: the control-plane node registers with kubeadm's taint (its label, which
# a kubelet may not set on itself, is added by label_control_plane).
start_kubelet() {
  local node=$1 d taints=()
  d=$(node_dir "$node")
  render kubelet.yaml.in "$d/kubelet.yaml" "$node"
  [[ $node == "$CONTROL_PLANE" ]] && taints=(--register-with-taints="$CONTROL_PLANE_ROLE:NoSchedule")
  start_bg "kubelet-$node" in_nodes "$BIN_k8s/kubelet" --config="$d/kubelet.yaml" \
    --kubeconfig="$STATE/kubeconfig/$node" --hostname-override="$node" --node-ip="$(node_addr "$node")" \
    --root-dir="$d/kubelet" --cert-dir="$d/kubelet/pki" "${taints[@]}"
}

# label_control_plane: the label kubeadm puts on a control-plane node (the provisioner's
# nodeSelector in the default preset).
label_control_plane() {
  kubectl label node "$CONTROL_PLANE" --overwrite "$CONTROL_PLANE_ROLE=" >/dev/null
}

start_node() {
  start_containerd "$1"
  load_images "$1"
  start_kubelet "$1"
}

start_nodes() {
  local n
  for n in "${NODES[@]}"; do start_node "$n"; done
  for n in "${NODES[@]}"; do
    wait_for 120 "node $n Ready" node_ready "$n" \
      || { assert_alive "kubelet-$n"; tail -n 20 "$STATE/logs/kubelet-$n.log" >&2; die "node $n not Ready after 120s"; }
  done
  label_control_plane
  log "  nodes Ready: ${NODES[*]} ($(kubectl get node "${WORKERS[0]}" -o jsonpath='{.status.nodeInfo.containerRuntimeVersion}'))"
}

node_ready() { [[ "$(kubectl get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]; }
