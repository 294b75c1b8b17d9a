# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# The cluster's network and the nodes' mount namespace, both held by one holder process.
# Sourced by cluster/lib/cluster.sh.

# start_holder: the holder process owns the cluster's network namespace and the nodes' mount
# namespace. In that mount namespace /run and /var/lib/cni are fresh tmpfs mounts (the
# runtime's sockets, pod network namespaces and CNI state never reach the host), and
# mount.nfs is our helper (see write_mount_nfs_helper).
start_holder() {
  write_mount_nfs_helper
  if [[ ! -d /var/lib/cni ]]; then mkdir -p /var/lib/cni && touch "$STATE/created-var-lib-cni"; fi
  [[ -x /usr/sbin/mount.nfs ]] || die "/usr/sbin/mount.nfs is missing (Debian package nfs-common)"
  # shellcheck disable=SC2016 # expanded by the holder's shell
  setsid unshare --net --mount --propagation private -- bash -c '
    set -e
    mount -t tmpfs -o mode=755 tmpfs /run
    mount -t tmpfs -o mode=755 tmpfs /var/lib/cni
    mount --bind "$1" /usr/sbin/mount.nfs
    ip link set lo up
    echo ready >"$2"
    exec sleep infinity' holder "$STATE/bin/mount.nfs" "$STATE/holder.ready" \
    >"$STATE/logs/holder.log" 2>&1 </dev/null &
  echo $! >"$STATE/holder.pid"
  echo "$! holder" >>"$STATE/pids"
  wait_for 10 "the namespace holder" test -f "$STATE/holder.ready" \
    || { cat "$STATE/logs/holder.log" >&2; die "the namespace holder did not start"; }
  stat -L -c %i "/proc/$(holder_pid)/ns/net" >"$STATE/netns.inode"
}

# write_mount_nfs_helper: $STATE/bin/mount.nfs, what kubelet's `mount -t nfs` runs on the
# nodes. This kernel has no NFS client, so the helper bind-mounts the very folder the NFS
# server exports (SERVER:/export/X is $STATE/export/X on this machine). A real cluster's
# nodes mount the export over NFS with the kernel's client instead.
write_mount_nfs_helper() {
  mkdir -p "$STATE/bin" "$STATE/export"
  sed "s#@EXPORT@#$STATE/export#g" "$CLUSTER_DIR/lib/mount.nfs.in" >"$STATE/bin/mount.nfs"
  chmod 755 "$STATE/bin/mount.nfs"
}

# setup_network: the veth pair, the addresses, the routes, forwarding in the namespace, and a
# filter that admits only the host's end of the veth (nothing beyond this machine gets in).
setup_network() {
  local holder a n
  holder=$(holder_pid)
  ip link add "$HOST_VETH" type veth peer name "$NS_VETH" netns "$holder"
  ip addr add "$HOST_ADDR/$NET_PREFIX" dev "$HOST_VETH"
  ip link set "$HOST_VETH" up
  for a in "$API_ADDR" "$DNS_ADDR"; do in_net ip addr add "$a/$NET_PREFIX" dev "$NS_VETH"; done
  for n in "${NODES[@]}"; do in_net ip addr add "$(node_addr "$n")/$NET_PREFIX" dev "$NS_VETH"; done
  in_net ip link set "$NS_VETH" up
  in_net sysctl -qw net.ipv4.ip_forward=1
  in_net iptables -w -I INPUT -i "$NS_VETH" ! -s "$HOST_ADDR" -j DROP
  in_net iptables -w -I FORWARD -i "$NS_VETH" ! -s "$HOST_ADDR" -j DROP
  ip route add "$POD_CIDR" via "$API_ADDR" dev "$HOST_VETH"
  ip route add "$SERVICE_CIDR" via "$API_ADDR" dev "$HOST_VETH"
  log "  network namespace of pid $holder: API $API_ADDR, DNS $DNS_ADDR, nodes $(node_addr "$CONTROL_PLANE") and from $(node_addr "${WORKERS[0]}"); host end $HOST_ADDR"
}
