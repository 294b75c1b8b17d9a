# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# Names and addresses of the test cluster, in one place. Sourced by cluster/lib/cluster.sh.
#
# Everything runs in one network namespace of the cluster's own (held by a small holder
# process), joined to the host by one veth pair, so that nothing listens on the host's own
# interfaces and deleting the namespace removes every bridge, veth and iptables rule of the run:
#
#   host  mehdb-h 10.99.0.1/24  <── veth ──>  mehdb-n 10.99.0.2/24 (API server, etcd on its lo)
#                                                     10.99.0.3  master (control plane, tainted),
#                                                                bridge mehdb0, pods 10.244.0.0/24
#                                                     10.99.0.10 CoreDNS
#                                                     10.99.0.11+ worker-N, bridge mehdbN,
#                                                                 pods 10.244.N.0/24
#   host routes: 10.244.0.0/16 (pods) and 10.96.0.0/16 (Services) via 10.99.0.2

CLUSTER_NAME=mehdb-cluster
HOST_VETH=mehdb-h
NS_VETH=mehdb-n
HOST_ADDR=10.99.0.1
API_ADDR=10.99.0.2
MASTER_ADDR=10.99.0.3
DNS_ADDR=10.99.0.10
NET_PREFIX=24
POD_CIDR=10.244.0.0/16
SERVICE_CIDR=10.96.0.0/16
API_PORT=6443
ETCD_PORT=2379
# The control-plane node: a real kubelet node, labelled and tainted as kubeadm does, where the
# provisioner Deployment's pod runs (the default preset selects that label).
CONTROL_PLANE=master
CONTROL_PLANE_ROLE=node-role.kubernetes.io/control-plane
WORKERS=(worker-1 worker-2 worker-3)
NODES=("$CONTROL_PLANE" "${WORKERS[@]}")
PAUSE_IMAGE=localhost/pause:mehdb
# Cgroup parent of every node (one folder per node below it, in every v1 hierarchy).
CGROUP_PARENT=/$CLUSTER_NAME

# node_index NAME: 0 for the control-plane node, 1 for worker-1, ...
node_index() { if [[ $1 == "$CONTROL_PLANE" ]]; then echo 0; else echo "${1##*-}"; fi; }
node_addr() { if [[ $1 == "$CONTROL_PLANE" ]]; then echo "$MASTER_ADDR"; else echo "10.99.0.$(( 10 + $(node_index "$1") ))"; fi; }
node_pod_subnet() { echo "10.244.$(node_index "$1").0/24"; }
node_dir() { echo "$STATE/nodes/$1"; }
