# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# Power cut and power on of a worker node (cluster/fault.sh): every process of the node killed at
# once, then its containerd and kubelet started as at cluster start. Sourced by cluster/fault.sh
# after cluster/lib/faults.sh (the fault chains).

# node_known NODE: dies unless NODE is one of the real worker nodes.
node_known() { [[ " ${WORKERS[*]} " == *" $1 "* ]] || die "$1 is not a worker node (${WORKERS[*]})"; }

# node_daemons NODE: NODE's kubelet and containerd that run, as kill(1) arguments: each pid and
# its process group (-PGID; start_bg started each as a group leader).
node_daemons() {
  local name pid
  for name in kubelet containerd; do
    if pid=$(pid_of "$name-$1"); then printf -- '-%s\n%s\n' "$pid" "$pid"; fi
  done
  return 0
}

# node_shims NODE: the runtime shims of NODE's containerd (each in a group of its own, child of
# PID 1), found by the socket address they were given.
node_shims() {
  local file pid
  while read -r file; do
    pid=${file#/proc/}
    pid=${pid%/cmdline}
    if proc_alive "$pid"; then echo "$pid"; fi
  done < <(grep -lzxF -- "$(node_dir "$1")/containerd.sock" /proc/[0-9]*/cmdline 2>/dev/null)
  return 0
}

# power_cut NODE: the node loses power. Its pods' addresses go silent (MEHDB-POWER-<node> drops
# every packet to or from its pod subnet: no refusals, no answers), and one SIGKILL reaches at
# once its kubelet, its containerd, the shims and every process in its pods' cgroups; what was
# started meanwhile is killed too. Nothing is told to the API server: the node goes NotReady
# when its lease expires, its pods stay as they are. The two daemons' records go (cluster:status
# lists them again after power_on).
power_cut() {
  local node=$1 subnet daemons=() shims=() pods=() left=() _
  node_known "$node"
  [[ -n $(node_daemons "$node") ]] || die "$node has no power already (neither its kubelet nor its containerd runs)"
  subnet=$(node_pod_subnet "$node")
  add_fault_chain "MEHDB-POWER-$node" "-s $subnet -j DROP" "-d $subnet -j DROP"
  mapfile -t daemons < <(node_daemons "$node")
  mapfile -t shims < <(node_shims "$node")
  mapfile -t pods < <(cgroup_members "$node")
  kill -KILL -- "${daemons[@]}" "${shims[@]}" "${pods[@]}" 2>/dev/null || true
  log "power cut of $node: one SIGKILL to its kubelet and containerd, ${#shims[@]} shims and ${#pods[@]} processes of its pods; $subnet silent"
  for _ in $(seq 1 40); do
    sleep 0.25
    mapfile -t left < <(node_daemons "$node"; node_shims "$node"; cgroup_members "$node")
    if (( ${#left[@]} == 0 )); then forget_records "kubelet-$node" "containerd-$node"; return 0; fi
    log "  killing what was still there: ${left[*]}"
    kill -KILL -- "${left[@]}" 2>/dev/null || true
  done
  die "power cut of $node: still running after 10 s: ${left[*]}"
}

# power_on NODE: the node boots: its pod subnet answers again, and its containerd and kubelet
# start as at the cluster's start (nodes.sh). kubelet registers the node Ready again, finds its
# pods' sandboxes dead and starts them anew.
power_on() {
  local node=$1 name
  node_known "$node"
  for name in kubelet containerd; do
    if pid_of "$name-$node" >/dev/null; then die "$node has power: its $name runs"; fi
  done
  if fault_iptables -n -L "MEHDB-POWER-$node" >/dev/null 2>&1; then remove_fault_chain "MEHDB-POWER-$node"; fi
  start_containerd "$node"
  start_kubelet "$node"
  log "power on of $node: containerd and kubelet started"
}
