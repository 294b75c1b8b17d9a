# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# NetworkPolicy enforcement in the test cluster: iptables rules in the cluster's network
# namespace queue the first packet of every new connection from a pod to NFQUEUE $NETPOL_QUEUE,
# and one netpol-enforcer process (cluster/netpol: kube-network-policies' policy engine behind
# an NFQUEUE reader) accepts or drops it. One process polices every node: the nodes share the
# namespace. The kernel here has no nftables `queue`, hence iptables NFQUEUE (see
# cluster/netpol/README.md). Sourced by cluster/lib/cluster.sh.
#
# Fail closed: the rules have no --queue-bypass, so while the enforcer is not reading, every new
# connection from a pod is dropped. start_netpol_enforcer installs the rules first and then
# waits for the enforcer, so call it after start_control_plane (it needs the API server) and
# before start_nodes (no pod may need the network before the enforcer is ready).
#
# Not policed: connections that do not come from the pod CIDR. That is the host's (tests, curl
# to a pod IP: they reach the pods through FORWARD) and the cluster namespace's own (kubelet
# probes, kube-proxy, the API server calling a webhook: they leave through OUTPUT).

NETPOL_QUEUE=100

# build_netpol: sets BIN_netpol, building cluster/netpol (binary `netpol`) when the cache lacks it.
build_netpol() {
  build_module "$CLUSTER_DIR/netpol" netpol \
    "$(mod_version "$CLUSTER_DIR/netpol" sigs.k8s.io/kube-network-policies)" "" .
}

# netpol_rules: queues the first packet of each new connection from the pod CIDR, in the mangle
# table (before kube-proxy's filter rules; Service DNAT has already happened, so the enforcer
# sees pod IPs). FORWARD: to pods (bridged ones too, br_netfilter is on) and to the host.
# INPUT: to the cluster namespace's own addresses (the API server, CoreDNS, the nodes), so that
# egress policies hold for those as well.
netpol_rules() {
  local chain
  for chain in FORWARD INPUT; do
    in_net iptables -w -t mangle -I "$chain" -s "$POD_CIDR" -m conntrack --ctstate NEW -j NFQUEUE --queue-num "$NETPOL_QUEUE"
  done
}

# start_netpol_enforcer: the enforcer's RBAC (its identity is made with the others, by make_pki),
# then the rules (pods' new connections are dropped from here on), then the enforcer.
start_netpol_enforcer() {
  kubectl apply -f "$CLUSTER_DIR/lib/netpol-rbac.yaml" >/dev/null
  netpol_rules
  run_netpol_enforcer
}

# run_netpol_enforcer: starts the enforcer and returns once it has synced its informers and bound
# the queue; it logs one line per decision to $STATE/logs/netpol-enforcer.log. Also a restart,
# after `stop_recorded netpol-enforcer` (the rules stay all along).
run_netpol_enforcer() {
  local ready=$STATE/netpol-enforcer.ready
  rm -f "$ready"
  start_bg netpol-enforcer in_net "$BIN_netpol/netpol" --kubeconfig="$STATE/kubeconfig/netpol-enforcer" \
    --queue-num="$NETPOL_QUEUE" --ready-file="$ready" --log-verdicts
  wait_for 60 netpol-enforcer test -f "$ready" \
    || { assert_alive netpol-enforcer; tail -n 30 "$STATE/logs/netpol-enforcer.log" >&2; die "netpol-enforcer not ready after 60s"; }
  log "  netpol-enforcer polices new connections from $POD_CIDR (NFQUEUE $NETPOL_QUEUE, fail closed)"
}
