# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# Faults of the running test cluster, for failover trials: the fault chains, and the network
# partition of one pod (a node's power cut and power on: cluster/lib/power.sh). Sourced after
# cluster/lib/cluster.sh (by cluster/fault.sh, the command line the TypeScript tests call).
#
# Fault rules live in the cluster's network namespace, in chains of our own: MEHDB-FAULTS is
# jumped to first from INPUT, FORWARD and OUTPUT (every packet of a pod passes one of them:
# bridged ones too, through br_netfilter), and holds one jump per fault to that fault's chain
# (MEHDB-PART-<pod IP>, MEHDB-POWER-<node>). Removing a fault removes exactly its jump and its
# chain; the teardown removes them all with the namespace.

FAULTS_CHAIN=MEHDB-FAULTS

# fault_iptables ARGS...: iptables in the cluster's network namespace.
fault_iptables() { in_net iptables -w 5 "$@"; }

# ensure_faults_chain: MEHDB-FAULTS, jumped to at the top of INPUT, FORWARD and OUTPUT, and
# bridged traffic handed to iptables (br_netfilter; per network namespace, on by default).
ensure_faults_chain() {
  local hook
  fault_iptables -n -L "$FAULTS_CHAIN" >/dev/null 2>&1 || fault_iptables -N "$FAULTS_CHAIN"
  for hook in INPUT FORWARD OUTPUT; do
    fault_iptables -C "$hook" -j "$FAULTS_CHAIN" 2>/dev/null || fault_iptables -I "$hook" 1 -j "$FAULTS_CHAIN"
  done
  [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] \
    || die "this kernel has no br_netfilter: traffic between pods of one node could not be filtered"
  if [[ "$(in_net sysctl -n net.bridge.bridge-nf-call-iptables)" != 1 ]]; then
    log "  net.bridge.bridge-nf-call-iptables was 0 in the cluster's namespace; setting it to 1"
    in_net sysctl -qw net.bridge.bridge-nf-call-iptables=1
  fi
}

# add_fault_chain CHAIN RULE...: creates CHAIN with the rules (each one string of iptables
# arguments) and jumps to it from MEHDB-FAULTS. Fails when CHAIN exists (fault already on).
add_fault_chain() {
  local chain=$1 rule
  shift
  ensure_faults_chain
  fault_iptables -N "$chain" 2>/dev/null || die "fault $chain is already on"
  for rule in "$@"; do
    # shellcheck disable=SC2086 # a rule is a list of iptables arguments
    fault_iptables -A "$chain" $rule
  done
  fault_iptables -A "$FAULTS_CHAIN" -j "$chain"
}

# remove_fault_chain CHAIN: the jump to CHAIN and CHAIN itself. Fails when it is not there.
remove_fault_chain() {
  local chain=$1
  fault_iptables -n -L "$chain" >/dev/null 2>&1 || die "fault $chain is not on"
  while fault_iptables -D "$FAULTS_CHAIN" -j "$chain" 2>/dev/null; do :; done
  fault_iptables -F "$chain"
  fault_iptables -X "$chain"
}

# fault_chains: the faults that are on, one chain name a line (nothing, and success, when none
# ever was).
fault_chains() {
  local rules
  fault_iptables -n -L "$FAULTS_CHAIN" >/dev/null 2>&1 || return 0
  rules=$(fault_iptables -S "$FAULTS_CHAIN")
  awk '$1 == "-A" && $3 == "-j" {print $4}' <<<"$rules"
}

# pod_gateway POD_IP: the address of the pod's node on the pod's bridge (the source of what
# the node's kubelet sends the pod: its probes). Dies unless POD_IP is on a node's bridge.
pod_gateway() {
  local route
  [[ $1 =~ ^10\.244\.[0-9]+\.[0-9]+$ ]] || die "$1 is not a pod IP ($POD_CIDR)"
  route=$(in_net ip -4 route get "$1") || die "no route to $1 in the cluster's namespace"
  [[ $route =~ dev\ mehdb[0-9]+\ .*src\ ([0-9.]+) ]] || die "$1 is not on a node's bridge: $route"
  echo "${BASH_REMATCH[1]}"
}

# partition POD_IP [--cut-probes]: cuts the pod off from everything but this host: every packet
# to or from POD_IP is dropped, except those between it and the host ($HOST_ADDR, where the
# tests and clients run) and, unless --cut-probes, connections its own node's kubelet opens
# to it (the probes: on a real node they never cross the network, and a failing liveness
# probe would restart the container after 30 s). Peers, the API server (ClusterIP or not), DNS
# and the NFS server are out of reach, on the same node (bridged) as on others (routed).
partition() {
  local ip=$1 gateway rules=()
  gateway=$(pod_gateway "$ip")
  rules=("-s $ip -d $HOST_ADDR -j RETURN" "-s $HOST_ADDR -d $ip -j RETURN")
  case ${2:-} in
    "") rules+=("-s $gateway -d $ip -j RETURN" "-s $ip -d $gateway -m conntrack --ctstate ESTABLISHED -j RETURN") ;;
    --cut-probes) ;;
    *) die "partition: unknown option $2" ;;
  esac
  rules+=("-s $ip -j DROP" "-d $ip -j DROP")
  add_fault_chain "MEHDB-PART-$ip" "${rules[@]}"
  log "partitioned $ip: it reaches and is reached by $HOST_ADDR only${2:+ (probes cut too)}"
}

# heal POD_IP: removes exactly the partition of POD_IP.
heal() {
  remove_fault_chain "MEHDB-PART-$1"
  log "healed $1"
}
