# Apply and assert phases of cluster/test-cluster.sh: what a person following the course sees,
# checked against the real API server and controllers. Sourced; expects the helpers and WORK.

PASSED=0
FAILED=0
FAILURES=()

# check_loopback_only: every socket the started processes listen on is on 127.0.0.1.
check_loopback_only() {
  local entry pid name bad=() addr n=0
  for entry in "${PIDS[@]}"; do
    pid=${entry%%:*}; name=${entry#*:}
    while read -r addr; do
      [[ -n "$addr" ]] || continue
      n=$((n + 1))
      [[ "$addr" == 127.0.0.1:* ]] || bad+=("$name:$addr")
    done < <(ss -Hltunp 2>/dev/null | grep "pid=$pid," | awk '{print $5}')
  done
  if (( n == 0 )); then fail "found no listening socket of the started processes (ss -ltunp)"
  elif (( ${#bad[@]} == 0 )); then pass "all $n listening sockets of the started processes are on 127.0.0.1"
  else fail "listening outside 127.0.0.1: ${bad[*]}"; fi
}

pass() { PASSED=$((PASSED + 1)); log "  ok   $*"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$CURRENT_PRESET: $*"); log "  FAIL $*"; }

# expect DESCRIPTION EXPECTED SEEN
expect() {
  if [[ "$2" == "$3" ]]; then pass "$1 ($3)"; else fail "$1: expected '$2', saw '$3'"; fi
}

# check_within TIMEOUT_S DESCRIPTION CMD...: passes when CMD succeeds within the timeout.
# Always returns 0 (the script runs under set -e); CHECK_OK tells whether it passed.
CHECK_OK=0
check_within() {
  local timeout=$1 what=$2; shift 2
  if wait_for "$timeout" "$what" "$@"; then pass "$what"; CHECK_OK=1; else fail "$what (not within ${timeout}s)"; CHECK_OK=0; fi
}

jget() { kubectl get "$@" -o json 2>/dev/null; }

# The objects in a folder of manifests, one "Kind namespace name" a line (client-side only).
list_objects() {
  kubectl apply --dry-run=client -f "$1" -o json \
    | jq -r '(if .kind == "List" then .items[] else . end) | "\(.kind) \(.metadata.namespace // "-") \(.metadata.name)"'
}

pod_running_ready() {
  local j; j=$(jget pod "$1" -n "$NS") || return 1
  [[ "$(jq -r '.status.phase' <<<"$j")" == Running ]] &&
    [[ "$(jq -r '.status.conditions[]? | select(.type == "Ready") | .status' <<<"$j")" == True ]]
}
pvc_bound() { [[ "$(kubectl get pvc "$1" -n "$NS" -o jsonpath='{.status.phase}' 2>/dev/null)" == Bound ]]; }
pod_unschedulable() {
  [[ "$(kubectl get pod "$1" -n "$NS" -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].reason}' 2>/dev/null)" == Unschedulable ]]
}
pod_scheduled() { [[ -n "$(kubectl get pod "$1" -n "$NS" -o jsonpath='{.spec.nodeName}' 2>/dev/null)" ]]; }
deployment_available() {
  local j; j=$(jget deployment "$1" -n "$2") || return 1
  jq -e '(.status.conditions[]? | select(.type == "Available") | .status == "True")
         and (.status.readyReplicas // 0) == .spec.replicas' <<<"$j" >/dev/null
}
none_left() { [[ -z "$(kubectl get -f "$1" --ignore-not-found -o name 2>/dev/null)" ]]; }
no_pvcs_left() { [[ -z "$(kubectl get pvc -n "$NS" -o name 2>/dev/null)" ]]; }
no_pvs_left() { [[ -z "$(kubectl get pv -o name 2>/dev/null)" ]]; }
namespace_gone() { ! kubectl get namespace "$1" >/dev/null 2>&1; }

# check_claim N: data-mehdb-N Bound, 1Gi, RWX, nfs-dynamic, and its PV as the course shows it.
check_claim() {
  local claim=data-mehdb-$1 j pv pvj
  check_within 90 "claim $claim Bound" pvc_bound "$claim"
  (( CHECK_OK )) || return 0
  j=$(jget pvc "$claim" -n "$NS")
  expect "$claim capacity" 1Gi "$(jq -r '.status.capacity.storage' <<<"$j")"
  expect "$claim access modes" ReadWriteMany "$(jq -r '.status.accessModes | join(",")' <<<"$j")"
  expect "$claim storage class" nfs-dynamic "$(jq -r '.spec.storageClassName' <<<"$j")"
  pv=$(jq -r '.spec.volumeName' <<<"$j")
  pvj=$(jget pv "$pv")
  expect "PV of $claim bound to it" "$NS/$claim" "$(jq -r '"\(.spec.claimRef.namespace)/\(.spec.claimRef.name)"' <<<"$pvj")"
  expect "PV of $claim reclaim policy" "$SC_RECLAIM" "$(jq -r '.spec.persistentVolumeReclaimPolicy' <<<"$pvj")"
  expect "PV of $claim provisioned by" "$PROVISIONER_NAME" \
    "$(jq -r '.metadata.annotations["pv.kubernetes.io/provisioned-by"]' <<<"$pvj")"
}

# start_provisioner: the dynamic provisioner for the StorageClass just applied, outside the cluster.
start_provisioner() {
  mkdir -p "$WORK/export/$CURRENT_PRESET"
  start_proc "provisioner-$CURRENT_PRESET" "$BIN_provisioner/nfs-provisioner" \
    -kubeconfig="$WORK/provisioner.kubeconfig" -provisioner="$PROVISIONER_NAME" \
    -server-hostname=127.0.0.1 -export-dir="$WORK/export/$CURRENT_PRESET"
  sleep 1
  if ! kill -0 "${PIDS[-1]%%:*}" 2>/dev/null; then
    tail -n 20 "$WORK/logs/provisioner-$CURRENT_PRESET.log" >&2
    fail "provisioner exited at start (log above)"
  fi
}

# check_rbac: the provisioner's ServiceAccount may do what the NFS provisioner does.
check_rbac() {
  local who="system:serviceaccount:$PROV_NS:$PROV_SA" verb_res missing=()
  for verb_res in "get persistentvolumes" "list persistentvolumes" "watch persistentvolumes" \
                  "create persistentvolumes" "delete persistentvolumes" \
                  "get persistentvolumeclaims" "list persistentvolumeclaims" "watch persistentvolumeclaims" \
                  "update persistentvolumeclaims" \
                  "get storageclasses.storage.k8s.io" "list storageclasses.storage.k8s.io" "watch storageclasses.storage.k8s.io" \
                  "create events" "update events" "patch events" \
                  "get services" "get endpoints"; do
    # shellcheck disable=SC2086
    kubectl auth can-i $verb_res -n "$PROV_NS" --as="$who" >/dev/null 2>&1 || missing+=("$verb_res")
  done
  if (( ${#missing[@]} == 0 )); then pass "RBAC of $who covers the provisioner's 17 API calls"
  else fail "RBAC of $who lacks: ${missing[*]}"; fi
  if kubectl auth can-i update endpoints -n "$PROV_NS" --as="$who" >/dev/null 2>&1 ||
     kubectl auth can-i update leases.coordination.k8s.io -n "$PROV_NS" --as="$who" >/dev/null 2>&1; then
    pass "RBAC of $who allows leader election in $PROV_NS"
  else
    fail "RBAC of $who allows neither endpoints nor leases updates in $PROV_NS (leader election)"
  fi
}

print_tables() {
  log "kubectl get pods -o wide -n $NS"
  kubectl get pods -o wide -n "$NS" | tee -a "$WORK/tables-$CURRENT_PRESET.txt"
  log "kubectl get pv"
  kubectl get pv | tee -a "$WORK/tables-$CURRENT_PRESET.txt"
  log "kubectl get svc -n $NS"
  kubectl get svc -n "$NS" | tee -a "$WORK/tables-$CURRENT_PRESET.txt"
}

# run_preset NAME DIR: apply, assert, scale, delete.
run_preset() {
  CURRENT_PRESET=$1
  local dir=$2 objects sts dep j n0 n1
  step "preset $CURRENT_PRESET: kubectl apply --server-side -f $dir"
  objects=$(list_objects "$dir") || { fail "cannot read manifests in $dir"; return 0; }
  sts=$(awk '$1 == "StatefulSet" && $3 == "mehdb"' <<<"$objects")
  [[ -n "$sts" ]] || { fail "no StatefulSet mehdb in $dir"; return 0; }
  NS=$(awk '{print $2}' <<<"$sts")
  dep=$(awk '$1 == "Deployment"' <<<"$objects" | head -n 1)
  PROV_NS=$(awk '{print $2}' <<<"$dep"); PROV_DEPLOY=$(awk '{print $3}' <<<"$dep")

  if kubectl apply --server-side --field-manager=mehdb-test-cluster -f "$dir" >"$WORK/apply-$CURRENT_PRESET.log" 2>&1; then
    pass "server-side apply of $(wc -l <<<"$objects") objects"
    sed 's/^/    /' "$WORK/apply-$CURRENT_PRESET.log"
  else
    cat "$WORK/apply-$CURRENT_PRESET.log" >&2
    fail "kubectl apply --server-side -f $dir failed (output above)"
    return 0
  fi

  j=$(jget storageclass nfs-dynamic) || { fail "StorageClass nfs-dynamic missing after apply"; return 0; }
  PROVISIONER_NAME=$(jq -r '.provisioner' <<<"$j")
  SC_RECLAIM=$(jq -r '.reclaimPolicy // "Delete"' <<<"$j")
  log "  StorageClass nfs-dynamic: provisioner $PROVISIONER_NAME, reclaim $SC_RECLAIM"
  start_provisioner

  # Provisioner Deployment: available, on the node its nodeSelector asks for, RBAC sufficient.
  if [[ -n "$PROV_DEPLOY" ]]; then
    check_within 90 "Deployment $PROV_NS/$PROV_DEPLOY available" deployment_available "$PROV_DEPLOY" "$PROV_NS"
    j=$(jget deployment "$PROV_DEPLOY" -n "$PROV_NS")
    PROV_SA=$(jq -r '.spec.template.spec.serviceAccountName // "default"' <<<"$j")
    local selector node_ok pod_node
    selector=$(jq -c '.spec.template.spec.nodeSelector // {}' <<<"$j")
    pod_node=$(kubectl get pods -n "$PROV_NS" -o json \
      | jq -r --arg d "$PROV_DEPLOY" '[.items[] | select(.metadata.ownerReferences[]?.name | startswith($d + "-")) | .spec.nodeName][0] // ""')
    node_ok=$(jget node "$pod_node" | jq -r --argjson s "$selector" '[.metadata.labels as $l | $s | to_entries[] | $l[.key] == .value] | all')
    expect "provisioner pod on node '$pod_node' matching nodeSelector $selector" true "${node_ok:-false}"
    check_rbac
  else
    fail "no Deployment (the NFS provisioner) in $dir"
  fi

  # The StatefulSet as the course shows it.
  check_within 120 "pod mehdb-0 Running and Ready" pod_running_ready mehdb-0
  check_within 120 "pod mehdb-1 Running and Ready" pod_running_ready mehdb-1
  n0=$(kubectl get pod mehdb-0 -n "$NS" -o jsonpath='{.spec.nodeName}' 2>/dev/null || true)
  n1=$(kubectl get pod mehdb-1 -n "$NS" -o jsonpath='{.spec.nodeName}' 2>/dev/null || true)
  if [[ -n "$n0" && -n "$n1" && "$n0" != "$n1" ]]; then pass "mehdb-0 and mehdb-1 on different nodes ($n0, $n1)"
  else fail "mehdb-0 and mehdb-1 on different nodes: saw '$n0' and '$n1'"; fi
  local t0 t1
  t0=$(kubectl get pod mehdb-0 -n "$NS" -o jsonpath='{.status.conditions[?(@.type=="Ready")].lastTransitionTime}' 2>/dev/null || true)
  t1=$(kubectl get pod mehdb-1 -n "$NS" -o jsonpath='{.metadata.creationTimestamp}' 2>/dev/null || true)
  if [[ -n "$t0" && -n "$t1" && ! "$t1" < "$t0" ]]; then pass "mehdb-1 created after mehdb-0 was Ready ($t0 <= $t1)"
  else fail "mehdb-1 created after mehdb-0 was Ready: mehdb-0 Ready at '$t0', mehdb-1 created at '$t1'"; fi
  check_claim 0
  check_claim 1
  j=$(jget service mehdb -n "$NS")
  expect "Service mehdb ClusterIP" None "$(jq -r '.spec.clusterIP' <<<"$j")"
  expect "Service mehdb ports" 9876/TCP "$(jq -r '[.spec.ports[] | "\(.port)/\(.protocol)"] | join(",")' <<<"$j")"

  print_tables

  scale_to_three
  delete_all "$dir"
  stop_proc "provisioner-$CURRENT_PRESET"
}

# scale_to_three: mehdb-2 and its claim appear. With required anti-affinity on hostname and two
# workers (the control-plane node is tainted), mehdb-2 must stay Pending; a third worker then
# lets the scheduler place it.
scale_to_three() {
  step "preset $CURRENT_PRESET: kubectl scale statefulset mehdb --replicas=3"
  kubectl scale statefulset mehdb -n "$NS" --replicas=3 >/dev/null || { fail "kubectl scale failed"; return 0; }
  check_within 60 "pod mehdb-2 created" kubectl get pod mehdb-2 -n "$NS"
  check_claim 2
  local required
  required=$(kubectl get statefulset mehdb -n "$NS" \
    -o jsonpath='{.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[*].topologyKey}')
  if [[ "$required" == *kubernetes.io/hostname* ]]; then
    check_within 60 "mehdb-2 Pending as Unschedulable (required anti-affinity, 2 workers, tainted control plane)" \
      pod_unschedulable mehdb-2
    expect "mehdb-2 not placed on any node" "" "$(kubectl get pod mehdb-2 -n "$NS" -o jsonpath='{.spec.nodeName}')"
    log "  adding node worker-3 for the scale step"
    create_node worker-3 worker
    wait_for 60 "node worker-3" node_ready worker-3 || fail "node worker-3 not Ready within 60s"
  fi
  check_within 120 "pod mehdb-2 Running and Ready" pod_running_ready mehdb-2
  local nodes
  nodes=$(kubectl get pods -n "$NS" -l app=mehdb -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u | grep -c . || true)
  if [[ "$required" == *kubernetes.io/hostname* ]]; then expect "mehdb pods on distinct nodes" 3 "$nodes"; fi
  kubectl get pods -o wide -n "$NS" | tee -a "$WORK/tables-$CURRENT_PRESET.txt"
}

# delete_all DIR: kubectl delete -f DIR, then nothing of it is left. Claims made from the
# StatefulSet's volumeClaimTemplates are not in DIR: they go with the namespace, or are retained
# by the StatefulSet's policy (the Kubernetes default) and then deleted here, so that their
# volumes are released and deleted by the provisioner.
delete_all() {
  local dir=$1
  step "preset $CURRENT_PRESET: kubectl delete -f $dir"
  local retention
  retention=$(kubectl get statefulset mehdb -n "$NS" -o jsonpath='{.spec.persistentVolumeClaimRetentionPolicy.whenDeleted}' 2>/dev/null || true)
  if kubectl delete -f "$dir" --wait=true --timeout=120s >"$WORK/delete-$CURRENT_PRESET.log" 2>&1; then
    pass "kubectl delete -f $dir"
  else
    cat "$WORK/delete-$CURRENT_PRESET.log" >&2
    fail "kubectl delete -f $dir failed (output above)"
  fi
  check_within 120 "no object of $dir left" none_left "$dir"
  if namespace_gone "$NS" || [[ "$retention" == Delete ]]; then
    check_within 120 "claims in $NS removed" no_pvcs_left
  else
    log "  claims data-mehdb-N retained (StatefulSet whenDeleted=${retention:-Retain}); deleting them"
    kubectl delete pvc -n "$NS" -l app=mehdb --wait=true --timeout=60s >/dev/null 2>&1 || true
    kubectl delete pvc -n "$NS" --all --wait=true --timeout=60s >/dev/null 2>&1 || true
  fi
  check_within 120 "pods in $NS gone" bash -c "[[ -z \"\$(kubectl get pods -n '$NS' -o name 2>/dev/null)\" ]]"
  if [[ "$SC_RECLAIM" == Delete ]]; then
    check_within 120 "volumes deleted by the provisioner (reclaim Delete)" no_pvs_left
  else
    kubectl delete pv --all --wait=false >/dev/null 2>&1 || true
  fi
  kubectl delete node worker-3 --ignore-not-found >/dev/null 2>&1 || true
}

# dry_run_variants: kubectl apply --dry-run=server of every config variant the tests synthesize.
dry_run_variants() {
  CURRENT_PRESET=variants
  step "kubectl apply --dry-run=server of every config variant"
  local out=$WORK/variants d ns created
  if (cd "$REPO_DIR" && npm run --silent synth:variants -- "$out") >"$WORK/synth-variants.log" 2>&1; then
    log "  synthesized with npm run synth:variants"
  else
    cat "$WORK/synth-variants.log" >&2
    log "  npm run synth:variants failed; falling back to the two presets"
    rm -rf "$out"; mkdir -p "$out"
    synth_preset default "$out/default" && synth_preset tutorial "$out/tutorial" || true
  fi
  for d in "$out"/*/; do
    d=${d%/}
    [[ -n "$(ls "$d"/*.yaml 2>/dev/null)" ]] || continue
    # Namespaces the variant creates itself do not exist during a dry run: create them first.
    created=()
    for ns in $(list_objects "$d" | awk '$2 != "-" {print $2}' | sort -u); do
      if ! kubectl get namespace "$ns" >/dev/null 2>&1; then
        kubectl create namespace "$ns" >/dev/null && created+=("$ns")
      fi
    done
    if kubectl apply --dry-run=server -f "$d" >"$WORK/dry-run-$(basename "$d").log" 2>&1; then
      pass "dry-run=server of variant $(basename "$d") ($(grep -c . "$WORK/dry-run-$(basename "$d").log") objects)"
    else
      sed 's/^/    /' "$WORK/dry-run-$(basename "$d").log" >&2
      fail "kubectl apply --dry-run=server -f $d failed (output above)"
    fi
    for ns in "${created[@]}"; do
      kubectl delete namespace "$ns" --wait=true --timeout=60s >/dev/null 2>&1 || true
    done
  done
}
