# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# What the provisioner Deployment of the manifests needs from the cluster to run as a real pod
# on the control-plane node: its image, served by the cluster's registry under the very
# reference the manifests name (the nodes' containerd uses that registry as the mirror of the
# reference's registry host), and its export folder. Nothing else is overridden: the pod runs
# with the Deployment's own args, env, probes, security context, ServiceAccount and RBAC.
# Sourced by cluster/lib/cluster.sh.

# read_provisioner_spec MANIFEST_DIR: PROV_IMAGE and PROV_HOSTPATH from the provisioner
# Deployment of the manifests (cluster/lib/provisioner-spec.js).
read_provisioner_spec() {
  local key value
  PROV_IMAGE="" PROV_HOSTPATH=""
  while read -r key value; do
    case $key in
      image) PROV_IMAGE=$value ;;
      hostpath) PROV_HOSTPATH=$value ;;
    esac
  done < <(node "$CLUSTER_DIR/lib/provisioner-spec.js" "$1")
  [[ -n $PROV_IMAGE && -n $PROV_HOSTPATH ]] || die "could not read the provisioner Deployment from $1"
}

# image_registry_host REF: the registry host of an image reference (docker.io when it names none).
image_registry_host() {
  local first=${1%%/*}
  if [[ $1 == */* && ( $first == *.* || $first == *:* || $first == localhost ) ]]; then echo "$first"; else echo docker.io; fi
}

# write_registry_hosts DIR: containerd's hosts folder of a node: `localhost/...` and the
# provisioner image's registry host both resolve to the cluster's registry.
write_registry_hosts() {
  local dir=$1 host server
  for host in localhost "$(image_registry_host "$PROV_IMAGE")"; do
    server="https://$host"
    [[ $host == localhost ]] && server="http://$REGISTRY_ADDR"
    mkdir -p "$dir/$host"
    sed -e "s#@REGISTRY@#$REGISTRY_ADDR#g" -e "s#@SERVER@#$server#g" "$CLUSTER_DIR/lib/hosts.toml.in" >"$dir/$host/hosts.toml"
  done
}

# publish_provisioner_image: the image built here (cluster/lib/provisioner-image.sh) pushed to the
# cluster's registry under the repository path and tag of PROV_IMAGE.
publish_provisioner_image() {
  local host path
  host=$(image_registry_host "$PROV_IMAGE")
  path=${PROV_IMAGE#"$host"/}
  [[ $host == docker.io && $path != */* ]] && path=library/$path
  in_net skopeo --policy "$REPO_DIR/image/conf/policy.json" copy --quiet --dest-tls-verify=false \
    "$NFS_PROVISIONER_IMAGE_REF" "docker://$REGISTRY_ADDR/$path" \
    || die "skopeo could not push the provisioner image to the cluster's registry as $path"
  log "  registry: $PROV_IMAGE served from $REGISTRY_ADDR (built here: $NFS_PROVISIONER_IMAGE_REF)"
}

# bind_export_hostpath: in the nodes' mount namespace, the provisioner's hostPath folder is the
# run's export folder, which the nodes' mount.nfs helper serves (lib/mount.nfs.in). On the host
# the path is at most an empty mount point, made for the run and removed by the teardown.
bind_export_hostpath() {
  local top=$PROV_HOSTPATH
  if [[ ! -e $PROV_HOSTPATH ]]; then
    while [[ ! -e $(dirname "$top") ]]; do top=$(dirname "$top"); done
    mkdir -p "$PROV_HOSTPATH"
    printf '%s\n%s\n' "$PROV_HOSTPATH" "$top" >"$STATE/created-hostpath"
  fi
  in_nodes mount --bind "$STATE/export" "$PROV_HOSTPATH"
  log "  the provisioner's hostPath $PROV_HOSTPATH is $STATE/export on the nodes"
}
