#!/usr/bin/env bash
# npm run test:image -- the container tests of the mehdb datastore image, in a real OCI runtime
# (podman with runc), daemonless. Needs root; installs its Debian packages when missing
# (podman buildah runc umoci skopeo docker-registry).
#
# Everything lives in a state dir of its own (mktemp under /var/tmp; --state-dir to choose,
# --keep to keep it): containers.conf, storage.conf, registries.conf, container storage, the
# registry's storage, the test records. Containers and the registry it starts are stopped on
# exit. Nothing in the repository is written: the builds record to the state dir.
#
# Checks: the image builds; it runs as 65532:65532 with a read-only root file system and the
# data on a volume, without a shell; /status answers leader and follower; the follower
# replicates a write; the data survives a container restart and a new container; a push to a
# loopback docker-registry shows the recorded digest (skopeo inspect) and pulls by digest; a
# second, cold build in a fresh store gives the same digest; the build also lands in the user's
# own container storage (a stand-in store here, MEHDB_IMAGE_LOCAL_STORAGE_CONF, so the machine's
# default storage is left alone): `podman images` lists it with the digest and `podman run
# localhost/mehdb:<tag>` serves; the digest equals the committed
# image/mehdb-image.json (else the record is stale: run `npm run image` and commit; set
# MEHDB_IMAGE_ALLOW_STALE=1 to only warn); dist/ pins the recorded reference.
set -euo pipefail
LOG_TAG=image:test
# shellcheck source=lib/image.sh
source "$(dirname "$0")/lib/image.sh"
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

STATE=""
KEEP=0
while [ $# -gt 0 ]; do
  case $1 in
    --state-dir) STATE=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage_from_header; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

PASSED=0 FAILED=0 SKIPPED=0
REGISTRY_PID=""
WAIT_SECONDS=${MEHDB_IMAGE_TEST_WAIT:-30}
VALUE="hello from the image test $$"

pass() { PASSED=$((PASSED + 1)); printf 'ok   - %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL - %s\n' "$*"; }
skip() { SKIPPED=$((SKIPPED + 1)); printf 'SKIP - %s\n' "$*"; }
# check NAME COMMAND...: one test.
check() {
  local name=$1; shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}

# ---- setup and teardown ----------------------------------------------------------------------

setup() {
  [ "$(id -u)" = 0 ] || die "the container tests run as root (podman with runc, own storage)"
  MEHDB_IMAGE_INSTALL=1 image_require podman buildah runc umoci skopeo docker-registry node curl
  if [ -z "$STATE" ]; then
    STATE=$(mktemp -d /var/tmp/mehdb-image-test.XXXXXX)
  fi
  mkdir -p "$STATE"
  free_port REGISTRY_PORT
  REGISTRY="127.0.0.1:$REGISTRY_PORT"
  image_state_setup "$STATE/store" "$REGISTRY"
  trap teardown EXIT
  trap 'exit 130' INT TERM
  log "state dir $STATE"
}

# shellcheck disable=SC2317  # runs from the EXIT trap
teardown() {
  local rc=$?
  set +e
  step "teardown"
  if [ -n "${USER_CONTAINERS_CONF:-}" ]; then
    user_podman rm -f -t 2 mehdb-test-user >/dev/null 2>&1
  fi
  if [ -n "$IMAGE_STATE" ]; then
    timeout 60 podman rm -f -t 2 mehdb-test-0 mehdb-test-1 >/dev/null 2>&1
    timeout 60 podman volume rm -f mehdb-test-data-0 mehdb-test-data-1 >/dev/null 2>&1
  fi
  if [ -n "$REGISTRY_PID" ]; then
    kill "$REGISTRY_PID" 2>/dev/null
    wait "$REGISTRY_PID" 2>/dev/null
  fi
  if [ "$KEEP" = 1 ]; then
    log "kept $STATE"
  elif [ -n "$STATE" ] && [ -d "$STATE" ]; then
    # The overlay driver leaves its mounts: unmount them before removing the store.
    findmnt -rn -o TARGET | grep "^$STATE/" | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
    rm -rf "$STATE"
  fi
  exit "$rc"
}

http() { curl -fsS -m 5 "$@"; }
json_field() { node -p 'require(process.argv[1])[process.argv[2]]' "$1" "$2"; }

# ---- the image -------------------------------------------------------------------------------

# The "user's own" container storage the build copies the image into (a stand-in in the state
# dir) and a containers.conf for it: image/conf/run.containers.conf plus a tmp_dir of its own.
setup_user_storage() {
  local user="$STATE/user-store" driver
  driver=$(cat "$IMAGE_STATE/storage-driver")
  mkdir -p "$user/tmp"
  printf '[storage]\ndriver = "%s"\ngraphroot = "%s/storage"\nrunroot = "%s/run"\n' "$driver" "$user" "$user" >"$user/storage.conf"
  { cat "$IMAGE_DIR/conf/run.containers.conf"; printf 'tmp_dir = "%s/tmp"\n' "$user"; } >"$user/containers.conf"
  export MEHDB_IMAGE_LOCAL_STORAGE_CONF="$user/storage.conf"
  USER_CONTAINERS_CONF="$user/containers.conf"
}
user_podman() {
  CONTAINERS_CONF=$USER_CONTAINERS_CONF CONTAINERS_STORAGE_CONF=$MEHDB_IMAGE_LOCAL_STORAGE_CONF \
    timeout 60 podman "$@"
}

phase_build() {
  setup_user_storage
  step "build (fresh store: local base, then the image)"
  local start; start=$(now)
  if REFERENCE=$(timeout 1500 "$IMAGE_DIR/build.sh" --state-dir "$IMAGE_STATE" --record "$STATE/record-1.json" \
      --oci-archive "$STATE/mehdb.oci.tar"); then
    pass "npm run image builds $REFERENCE (cold, $(since "$start") s)"
  else
    fail "npm run image builds"
    summary
  fi
  IMAGE=${REFERENCE%@*}
  DIGEST=$(json_field "$STATE/record-1.json" digest)
}

phase_user_storage() {
  step "the image in the user's own container storage (podman images, podman run)"
  local listed port
  listed=$(user_podman images --digests --format '{{.Repository}}:{{.Tag}} {{.Digest}}' 2>/dev/null || true)
  check "podman images lists $IMAGE with the built digest ($(tr '\n' ' ' <<<"$listed"))" \
    grep -qx "$IMAGE $DIGEST" <<<"$listed"
  free_port port
  if user_podman run -d --name mehdb-test-user -e "MEHDB_PORT=$port" -e MEHDB_BIND=127.0.0.1 "$IMAGE" >/dev/null &&
     wait_for "$WAIT_SECONDS" "the user-storage container's /status" status_is "$port" leader; then
    pass "podman run $IMAGE (the user's storage, image/conf/run.containers.conf) serves /status"
  else
    fail "podman run $IMAGE (the user's storage) serves /status"
    user_podman logs mehdb-test-user 2>&1 | tail -20 | sed 's/^/    /' >&2
  fi
  user_podman rm -f -t 2 mehdb-test-user >/dev/null 2>&1 || true
}

phase_image_config() {
  step "image configuration"
  local user env entry
  user=$(timeout 60 podman image inspect --format '{{.Config.User}}' "$IMAGE")
  env=$(timeout 60 podman image inspect --format '{{range .Config.Env}}{{.}} {{end}}' "$IMAGE")
  entry=$(timeout 60 podman image inspect --format '{{json .Config.Entrypoint}}' "$IMAGE")
  check "runs as the numeric non-root user 65532:65532 (image user: $user)" test "$user" = 65532:65532
  check "MEHDB_DATADIR defaults to /mehdbdata" grep -q 'MEHDB_DATADIR=/mehdbdata' <<<"$env"
  check "entrypoint is node with the compiled server: $entry" \
    test "$entry" = '["/nodejs/bin/node","/app/dist/src/main.js"]'
  # shellcheck disable=SC2016  # the inner bash expands $1
  check "no shell in the image (/bin/sh cannot start)" \
    bash -c '! timeout 60 podman run --rm --entrypoint /bin/sh "$1" -c true >/dev/null 2>&1' _ "$IMAGE"
  local compressed
  compressed=$(node -p 'require(process.argv[1]).sizeBytes.compressed' "$STATE/record-1.json")
  check "compressed size $((compressed / 1000000)) MB <= 40 MB" test "$compressed" -le 40000000
}

# ---- running it ------------------------------------------------------------------------------

# run_node ORDINAL PORT [extra env...]: one datastore container, as the StatefulSet runs it.
run_node() {
  local ordinal=$1 port=$2; shift 2
  local envs=(-e "MEHDB_HOST=mehdb-$ordinal" -e "MEHDB_PORT=$port" -e MEHDB_BIND=127.0.0.1)
  local e; for e in "$@"; do envs+=(-e "$e"); done
  timeout 60 podman run -d --name "mehdb-test-$ordinal" \
    --user 65532:65532 --read-only --read-only-tmpfs=false \
    --cap-drop=ALL --security-opt no-new-privileges \
    -v "mehdb-test-data-$ordinal:/mehdbdata" "${envs[@]}" "$IMAGE" >/dev/null
}

# shellcheck disable=SC2317  # status_is, value_is: run by wait_for
status_is() { [ "$(http "http://127.0.0.1:$1/status" | tr -d '[:space:]')" = "$2" ]; }
# shellcheck disable=SC2317
value_is() { [ "$(http "http://127.0.0.1:$1/get/$2")" = "$3" ]; }
show_logs() { log "logs of $1:"; timeout 30 podman logs "$1" 2>&1 | tail -20 | sed 's/^/    /' >&2; }

phase_run() {
  step "leader and follower in podman (runc): non-root, read-only root, data volumes"
  free_port LEADER_PORT
  free_port FOLLOWER_PORT
  timeout 60 podman volume create mehdb-test-data-0 >/dev/null
  timeout 60 podman volume create mehdb-test-data-1 >/dev/null
  run_node 0 "$LEADER_PORT"
  if wait_for "$WAIT_SECONDS" "the leader's /status" status_is "$LEADER_PORT" leader; then
    pass "leader: GET /status answers leader (read-only root, user 65532, no capabilities)"
  else
    fail "leader: GET /status answers leader"; show_logs mehdb-test-0
  fi
  run_node 1 "$FOLLOWER_PORT" "MEHDB_LEADER_URL=http://127.0.0.1:$LEADER_PORT"
  if wait_for "$WAIT_SECONDS" "the follower's /status" status_is "$FOLLOWER_PORT" follower; then
    pass "follower: GET /status answers follower"
  else
    fail "follower: GET /status answers follower"; show_logs mehdb-test-1
  fi

  if http -X PUT --data-binary "$VALUE" "http://127.0.0.1:$LEADER_PORT/set/image-test" >/dev/null &&
     value_is "$LEADER_PORT" image-test "$VALUE"; then
    pass "leader: PUT /set/image-test, then GET /get/image-test returns it"
  else
    fail "leader: PUT /set/image-test, then GET /get/image-test returns it"; show_logs mehdb-test-0
  fi
  if wait_for "$WAIT_SECONDS" "the value on the follower" value_is "$FOLLOWER_PORT" image-test "$VALUE"; then
    pass "follower replicates the write (GET /get/image-test on the follower)"
  else
    fail "follower replicates the write"; show_logs mehdb-test-1
  fi

  local written mnt
  written=$( (timeout 60 podman diff --format '{{.Path}}' mehdb-test-0; timeout 60 podman diff --format '{{.Path}}' mehdb-test-1) 2>/dev/null |
    grep -v -x -E '/etc|/etc/(hosts|hostname|resolv\.conf)|/run|/run/\.containerenv|/mehdbdata' || true)
  check "nothing written outside /mehdbdata${written:+: $written}" test -z "$written"
  mnt=$(timeout 60 podman volume inspect --format '{{.Mountpoint}}' mehdb-test-data-0)
  # shellcheck disable=SC2016  # the inner bash expands $1
  check "the leader's data is on its volume, owned by 65532 ($(find "$mnt" -mindepth 1 -maxdepth 1 -printf '%f '))" \
    bash -c '[ -n "$(ls -A "$1")" ] && [ "$(stat -c %u "$1")" = 65532 ]' _ "$mnt"
}

phase_restart() {
  step "restarts"
  timeout 60 podman restart -t 10 mehdb-test-0 >/dev/null
  if wait_for "$WAIT_SECONDS" "the value on the leader" value_is "$LEADER_PORT" image-test "$VALUE"; then
    pass "the data survives a restart of the leader container"
  else
    fail "the data survives a restart of the leader container"; show_logs mehdb-test-0
  fi
  # A new container on the same volume, as when the pod is scheduled anew.
  timeout 60 podman rm -f -t 10 mehdb-test-0 >/dev/null
  run_node 0 "$LEADER_PORT"
  if wait_for "$WAIT_SECONDS" "the value on the leader" value_is "$LEADER_PORT" image-test "$VALUE"; then
    pass "the data survives a new leader container on the same volume"
  else
    fail "the data survives a new leader container on the same volume"; show_logs mehdb-test-0
  fi
  timeout 60 podman restart -t 10 mehdb-test-1 >/dev/null
  if wait_for "$WAIT_SECONDS" "the value on the follower" value_is "$FOLLOWER_PORT" image-test "$VALUE"; then
    pass "the follower still serves the value after its restart"
  else
    fail "the follower still serves the value after its restart"; show_logs mehdb-test-1
  fi
  timeout 60 podman rm -f -t 10 mehdb-test-0 mehdb-test-1 >/dev/null 2>&1 || true
}

# ---- registry, reproducibility, records ------------------------------------------------------

# shellcheck disable=SC2317  # run by check
start_registry() {
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
  docker-registry serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 &
  REGISTRY_PID=$!
  wait_for "$WAIT_SECONDS" "docker-registry on $REGISTRY" curl -fsS -m 2 "http://$REGISTRY/v2/" || { cat "$STATE/registry.log" >&2; return 1; }
}

phase_registry_and_rebuild() {
  step "second build in a fresh store (cold, no cache), pushed to docker-registry on $REGISTRY"
  check "docker-registry serves on $REGISTRY" start_registry
  local start; start=$(now)
  if timeout 1500 "$IMAGE_DIR/build.sh" --state-dir "$STATE/store2" --no-cache --no-local --record "$STATE/record-2.json" \
      --push "$REGISTRY/mehdb" >/dev/null; then
    pass "second build and push ($(since "$start") s)"
  else
    fail "second build and push"
  fi
  # The second build used store2's configuration; come back to ours.
  image_state_setup "$STATE/store" "$REGISTRY"
  local digest2 pushed
  digest2=$(json_field "$STATE/record-2.json" digest 2>/dev/null || echo none)
  check "two builds give one digest ($DIGEST)" test "$digest2" = "$DIGEST"
  pushed=$(timeout 120 skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/mehdb:$(json_field "$STATE/record-1.json" tag)" || echo none)
  check "skopeo inspect of the pushed image shows the recorded digest ($pushed)" test "$pushed" = "$DIGEST"
  # shellcheck disable=SC2016  # the inner bash expands $1
  check "podman pulls $REGISTRY/mehdb@$DIGEST by digest" \
    bash -c 'timeout 120 podman pull --tls-verify=false -q "$1" >/dev/null' _ "$REGISTRY/mehdb@$DIGEST"
  # shellcheck disable=SC2016  # the inner bash expands $1
  check "the oci-archive loads with podman load" \
    bash -c 'timeout 120 podman load -q -i "$1" >/dev/null' _ "$STATE/mehdb.oci.tar"
}

phase_committed_record() {
  step "committed record and manifests"
  local committed="$IMAGE_RECORD_DEFAULT" want
  if [ ! -f "$committed" ]; then
    fail "image/mehdb-image.json exists (run npm run image and commit it)"
    return
  fi
  want=$(json_field "$committed" digest)
  if [ "$want" = "$DIGEST" ]; then
    pass "the build reproduces the committed image/mehdb-image.json digest"
  elif [ "${MEHDB_IMAGE_ALLOW_STALE:-0}" = 1 ]; then
    skip "committed record is stale ($want, built $DIGEST); MEHDB_IMAGE_ALLOW_STALE=1"
  else
    fail "the build reproduces the committed image/mehdb-image.json digest: committed $want, built $DIGEST.
       The record is stale (datastore sources, Dockerfile or base changed since it was written):
       run \`npm run image\`, then \`npm run synth\`, and commit image/mehdb-image.json and dist/."
  fi
  local images reference
  reference=$(json_field "$committed" reference)
  images=$(statefulset_images)
  if [ -z "$images" ]; then
    skip "no StatefulSet with a mehdb container in dist/*.yaml yet"
  else
    images=$(sort -u <<<"$images" | tr '\n' ' ' | sed 's/ $//')
    if [ "$images" = "$reference" ]; then
      pass "the synthesized StatefulSet pins the recorded reference ($reference)"
    else
      fail "the synthesized StatefulSet pins the recorded reference: dist/ has $images, the record $reference.
       Run \`npm run synth\` and commit dist/."
    fi
  fi
}

# The images of the mehdb containers of the StatefulSets in dist/*.yaml (parsed with the
# repository's `yaml` package; a line scan of each document when node_modules is absent).
statefulset_images() {
  [ -d "$REPO_ROOT/dist" ] || return 0
  (cd "$REPO_ROOT" && node -e '
    const fs = require("fs");
    let YAML = null; try { YAML = require("yaml"); } catch {}
    for (const f of fs.readdirSync("dist").filter((f) => /\.ya?ml$/.test(f))) {
      const text = fs.readFileSync("dist/" + f, "utf8");
      if (YAML) {
        for (const doc of YAML.parseAllDocuments(text)) {
          const o = doc.toJSON();
          if (!o || o.kind !== "StatefulSet") continue;
          for (const c of o.spec.template.spec.containers || []) if (/mehdb/.test(c.image)) console.log(c.image);
        }
      } else {
        for (const doc of text.split(/^---\s*$/m)) {
          if (!/^kind: StatefulSet\s*$/m.test(doc)) continue;
          for (const m of doc.matchAll(/^\s*(?:- )?image: ["\x27]?([^"\x27\s]+)/gm)) if (/mehdb/.test(m[1])) console.log(m[1]);
        }
      }
    }')
}

summary() {
  echo
  echo "image: $PASSED passed, $FAILED failed, $SKIPPED skipped"
  [ "$FAILED" = 0 ] || exit 1
  exit 0
}

main() {
  local start; start=$(now)
  setup
  phase_build
  phase_user_storage
  phase_image_config
  phase_run
  phase_restart
  phase_registry_and_rebuild
  phase_committed_record
  log "container tests took $(since "$start") s"
  summary
}

main
