# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# Stopping the test cluster and removing everything it changed on the host: processes, the
# containers, the cgroup folders, the network namespace with its veth, bridges and iptables
# rules (fault rules included) and the host's routes through it, and the folders it had to
# create. Safe to run twice, after a run that died, and whatever state the cluster is in (a
# node whose power was cut, runtimes removing cgroup folders while they are read): every step
# runs on its own and none can end the others. Sourced by cluster/lib/cluster.sh.

# teardown_step WHAT CMD...: one step of the teardown, in a subshell, so that nothing it meets
# (a file that vanished, a runtime that died, `set -e`, `set -u` or a `die`) ends the teardown;
# a failed step is logged and the next one runs.
teardown_step() {
  local what=$1 rc=0
  shift
  ( "$@" ) || rc=$?
  if (( rc != 0 )); then log "  teardown step '$what' failed (exit $rc); going on"; fi
  return 0
}

# stop_containers: kubelets first (so nothing restarts), then every container through its
# node's runtime (where that runtime still runs), then whatever is still in the nodes' cgroups.
stop_containers() {
  local n id sock
  stop_recorded 'kubelet-*'
  for n in "${NODES[@]}"; do
    sock=$(node_dir "$n")/containerd.sock
    [[ -S $sock ]] || continue
    pid_of "containerd-$n" >/dev/null || continue
    for id in $(timeout 10 "$BIN_node/ctr" --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      timeout 10 "$BIN_node/ctr" --address "$sock" -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
  done
  kill_cgroup_members
}

# remove_cgroups: the nodes' cgroup folders, deepest first, in every hierarchy. Killed
# processes take a moment to leave their cgroup: retried (killing again) for up to 10 s.
remove_cgroups() {
  local d _ left
  for _ in $(seq 1 20); do
    left=()
    for d in /sys/fs/cgroup/*/"${CGROUP_PARENT#/}"; do
      [[ -d $d ]] || continue
      find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
      if [[ -d $d ]]; then left+=("$d"); fi
    done
    (( ${#left[@]} )) || return 0
    kill_cgroup_members
    sleep 0.5
  done
  log "  could not remove the cgroup folders ${left[*]}"
  return 1
}

# remove_host_veth: the host's end of the veth pair (it goes with the namespace too, once the
# kernel has freed that).
remove_host_veth() {
  if ip link show "$HOST_VETH" >/dev/null 2>&1; then ip link del "$HOST_VETH"; fi
}

# remove_created_folders: what the run had to create on the host.
remove_created_folders() {
  local path top
  if [[ -f $STATE/created-hostpath ]]; then
    { read -r path; read -r top; } <"$STATE/created-hostpath"
    while rmdir "$path" 2>/dev/null && [[ $path != "$top" ]]; do path=$(dirname "$path"); done
    [[ -e $top ]] && log "  could not remove $top"
  fi
  if [[ -f $STATE/created-var-lib-cni ]]; then rmdir /var/lib/cni 2>/dev/null || log "  could not remove /var/lib/cni"; fi
  return 0
}

# teardown_leftovers NETNS_INODE: what of a stopped cluster is still on the host, one line each,
# nothing when the teardown was complete: processes in (or holding) its network namespace,
# cgroup folders, the host's veth, mounts of the state folder on the host.
teardown_leftovers() {
  local inode=$1 p d
  if [[ -n $inode ]]; then
    for p in /proc/[0-9]*; do
      if [[ "$(stat -L -c %i "$p/ns/net" 2>/dev/null)" == "$inode" ]]; then
        echo "process ${p#/proc/} in the cluster's network namespace: $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c1-100)"
      elif find "$p/fd" -maxdepth 1 -lname "net:\[$inode\]" 2>/dev/null | grep -q .; then
        echo "process ${p#/proc/} holds the cluster's network namespace open: $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c1-100)"
      fi
    done
    { grep -hs "net:\[$inode\]" /proc/[0-9]*/mountinfo || true; } | awk '{print "a mount of the network namespace on " $5}' | sort -u
  fi
  for d in /sys/fs/cgroup/*/"${CGROUP_PARENT#/}"; do if [[ -d $d ]]; then echo "cgroup folder $d"; fi; done
  if ip link show "$HOST_VETH" >/dev/null 2>&1; then echo "veth $HOST_VETH"; fi
  awk -v s="$STATE" 'index($5, s) == 1 {print "mount " $5}' /proc/self/mountinfo
  return 0
}

# cluster_down: stops everything and removes what the run changed. Sets TEARDOWN_LEFT to what
# is still left afterwards (teardown_leftovers; empty when nothing is).
cluster_down() {
  local inode line _
  TEARDOWN_LEFT=""
  [[ -d $STATE ]] || { log "nothing to stop: no $STATE"; return 0; }
  step "stopping the cluster of $STATE"
  # shellcheck source=/dev/null
  if [[ -f $STATE/bins ]]; then source "$STATE/bins" || log "  could not read $STATE/bins"; fi
  inode=$(cat "$STATE/netns.inode" 2>/dev/null) || inode=""
  teardown_step "stop the containers" stop_containers
  teardown_step "stop the recorded processes" stop_recorded
  teardown_step "kill what is left in the nodes' cgroups" kill_cgroup_members
  teardown_step "kill what is left in the network namespace" kill_netns_members "$inode"
  teardown_step "remove the cgroup folders" remove_cgroups
  teardown_step "remove the host's veth" remove_host_veth
  teardown_step "remove the folders the run created" remove_created_folders
  # Killed processes and a freed namespace take a moment to go: looked at for up to 5 s.
  for _ in $(seq 1 10); do
    TEARDOWN_LEFT=$(teardown_leftovers "$inode") || TEARDOWN_LEFT="(could not look: teardown_leftovers failed)"
    [[ -n $TEARDOWN_LEFT ]] || break
    sleep 0.5
  done
  if [[ "${MEHDB_CLUSTER_KEEP:-}" == 1 ]]; then
    log "state folder kept: $STATE"
  else
    teardown_step "remove the state folder" rm -rf "$STATE"
  fi
  if [[ -n $TEARDOWN_LEFT ]]; then
    log "stopped, but the teardown left:"
    while read -r line; do log "  $line"; done <<<"$TEARDOWN_LEFT"
  else
    log "stopped; nothing of the cluster is left on the host"
  fi
}
