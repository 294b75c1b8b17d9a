# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# Certificates and kubeconfigs of the test cluster, as kubeadm lays them out: one CA, one client
# identity per component, each node as system:node:<name> in system:nodes (so the Node
# authorizer and NodeRestriction apply), the API server's kubelet-client identity, a front-proxy
# CA and the service-account key pair. Sourced by cluster/lib/cluster.sh.

PKI_DAYS=7

# sign NAME SUBJECT EXT: a key and a certificate for SUBJECT signed by the cluster CA.
sign() {
  local name=$1 subject=$2 ext=$3 d=$STATE/pki
  printf '%s\n' "$ext" >"$d/$name.ext"
  openssl req -newkey rsa:2048 -nodes -subj "$subject" -keyout "$d/$name.key" -out "$d/$name.csr" 2>/dev/null
  openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days "$PKI_DAYS" -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null
}

# client_identity NAME CN [ORG]: a client certificate and $STATE/kubeconfig/NAME.
client_identity() {
  local name=$1 cn=$2 org=${3:-}
  sign "$name" "/CN=$cn${org:+/O=$org}" 'extendedKeyUsage=clientAuth'
  write_kubeconfig "$name"
}

write_kubeconfig() {
  local name=$1 d=$STATE/pki
  mkdir -p "$STATE/kubeconfig"
  cat >"$STATE/kubeconfig/$name" <<EOF2
apiVersion: v1
kind: Config
clusters:
- name: $CLUSTER_NAME
  cluster:
    server: https://$API_ADDR:$API_PORT
    certificate-authority: $d/ca.crt
users:
- name: $name
  user:
    client-certificate: $d/$name.crt
    client-key: $d/$name.key
contexts:
- name: $name@$CLUSTER_NAME
  context: {cluster: $CLUSTER_NAME, user: $name}
current-context: $name@$CLUSTER_NAME
EOF2
}

make_pki() {
  local d=$STATE/pki n
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days "$PKI_DAYS" -subj "/CN=$CLUSTER_NAME-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  sign apiserver /CN=kube-apiserver "subjectAltName=IP:$API_ADDR,IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth"
  sign apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client/O=system:masters" 'extendedKeyUsage=clientAuth'
  client_identity admin kubernetes-admin system:masters
  client_identity controller-manager system:kube-controller-manager
  client_identity scheduler system:kube-scheduler
  client_identity kube-proxy system:kube-proxy
  client_identity coredns mehdb-cluster:coredns
  client_identity netpol-enforcer mehdb-cluster:netpol-enforcer
  for n in "${NODES[@]}"; do client_identity "$n" "system:node:$n" system:nodes; done
  openssl req -x509 -newkey rsa:2048 -nodes -days "$PKI_DAYS" -subj "/CN=$CLUSTER_NAME-front-proxy-ca" \
    -keyout "$d/front-proxy-ca.key" -out "$d/front-proxy-ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=front-proxy-client" \
    -keyout "$d/front-proxy-client.key" -out "$d/front-proxy-client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$d/front-proxy-client.ext"
  openssl x509 -req -in "$d/front-proxy-client.csr" -CA "$d/front-proxy-ca.crt" -CAkey "$d/front-proxy-ca.key" \
    -CAcreateserial -days "$PKI_DAYS" -extfile "$d/front-proxy-client.ext" -out "$d/front-proxy-client.crt" 2>/dev/null
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
}
