# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# Stopping the test cluster and removing everything it changed on the host: processes, the
# containers, the cgroup folders, the network namespace with its veth, bridges and iptables
# rules (and the host's routes through it), and the folders it had to create. Safe to run
# twice, and after a run that died. Sourced by cluster/lib/cluster.sh.

# stop_containers: kubelets first (so nothing restarts), then every container through its
# node's runtime, then whatever is still in the nodes' cgroups.
stop_containers() {
  local n
  stop_recorded 'kubelet-*'
  for n in "${WORKERS[@]}"; do
    [[ -S $(node_dir "$n")/containerd.sock ]] || continue
    pid_of "containerd-$n" >/dev/null || continue
    ctr_node "$n" tasks ls -q 2>/dev/null | while read -r id; do
      timeout 10 "$BIN_node/ctr" --address "$(node_dir "$n")/containerd.sock" -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1
    done
  done
  kill_cgroup_members
}

remove_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/"${CGROUP_PARENT#/}"; do
    [[ -d $d ]] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [[ -d $d ]] && log "  could not remove cgroup folder $d"
  done
  return 0
}

cluster_down() {
  [[ -d $STATE ]] || { log "nothing to stop: no $STATE"; return 0; }
  step "stopping the cluster of $STATE"
  # shellcheck source=/dev/null
  if [[ -f $STATE/bins ]]; then source "$STATE/bins"; fi
  stop_containers
  stop_recorded
  kill_cgroup_members
  kill_netns_members "$(cat "$STATE/netns.inode" 2>/dev/null)"
  sleep 1
  remove_cgroups
  ip link del "$HOST_VETH" 2>/dev/null || true
  if [[ -f $STATE/created-export ]]; then rmdir /export 2>/dev/null || log "  could not remove /export"; fi
  if [[ -f $STATE/created-var-lib-cni ]]; then rmdir /var/lib/cni 2>/dev/null || log "  could not remove /var/lib/cni"; fi
  if [[ "${MEHDB_CLUSTER_KEEP:-}" == 1 ]]; then
    log "state folder kept: $STATE"
  else
    rm -rf "$STATE"
  fi
  log "stopped; nothing of the cluster is left on the host"
}
