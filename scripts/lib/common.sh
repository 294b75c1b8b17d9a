# shellcheck shell=bash
# The one shell library of this repository, sourced by the scripts under image/ and cluster/.
#
# Contract:
#   log MSG...            one line on stderr, prefixed with [TAG elapsed]
#   step MSG...           a section heading on stderr
#   die MSG...            "ERROR: MSG" on stderr, then exit 1
#   have CMD              true when CMD is on PATH
#   wait_for SECONDS WHAT CMD...
#                         runs CMD (quietly) until it succeeds; returns 1 after SECONDS,
#                         logging what it waited for
#   free_port VAR         sets VAR to a TCP port that nothing listens on and that this shell
#                         has not handed out before (no subshell, so the record survives)
#   usage_from_header     prints the calling script's leading comment block (its --help text)
#   apt_ensure PKG...     installs the Debian packages among PKG that dpkg does not list (root)
#   registry_start DIR ADDR LAUNCH [RUN...]
#                         serves Debian's docker-registry on ADDR from DIR (see below)
#   tap_summary FILE      "PASSED FAILED SKIPPED" from the summary of node's TAP reporter
#
# Set LOG_TAG before sourcing (or after) to name the script in log lines.

LOG_TAG=${LOG_TAG:-mehdb}
LOG_START=${LOG_START:-$(date +%s)}

log() { printf '[%s %4ss] %s\n' "$LOG_TAG" "$(( $(date +%s) - LOG_START ))" "$*" >&2; }
step() { printf '\n[%s %4ss] ==== %s\n' "$LOG_TAG" "$(( $(date +%s) - LOG_START ))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# wait_for SECONDS WHAT CMD...: polls CMD every half second until it succeeds.
wait_for() {
  local timeout=$1 what=$2 deadline
  shift 2
  deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) >= deadline )); then
      log "gave up waiting for $what after ${timeout}s"
      return 1
    fi
    sleep 0.5
  done
}

# free_port VAR: sets VAR to a TCP port nobody listens on, not handed out earlier in this shell.
COMMON_USED_PORTS=" "
free_port() {
  local p _
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 20000 ))
    [[ "$COMMON_USED_PORTS" == *" $p "* ]] && continue
    if [[ -z "$(ss -Hltn "( sport = :$p )" 2>/dev/null)" ]]; then
      COMMON_USED_PORTS+="$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  die "no free TCP port found"
}

# usage_from_header: the comment block after the shebang of the script that was run ($0),
# without the leading "# ". Scripts keep their help text in that one place.
usage_from_header() {
  awk 'NR == 1 && /^#!/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}

# apt_ensure PKG...: the Debian packages among PKG that dpkg does not list, installed with
# apt-get (bounded); dies naming them when that is impossible (not root, no apt-get) or fails.
apt_ensure() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  (( ${#missing[@]} )) || return 0
  if (( $(id -u) != 0 )) || ! have apt-get; then
    die "missing Debian packages: ${missing[*]} (as root: apt-get install -y ${missing[*]})"
  fi
  log "installing Debian packages: ${missing[*]}"
  timeout 600 apt-get update -qq >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# registry_start DIR ADDR LAUNCH [RUN...]: Debian's docker-registry on ADDR (plain HTTP), its
# configuration DIR/registry.yaml (from image/conf/registry.yaml.in) and storage DIR/registry.
# LAUNCH is a command that starts its arguments in the background (and records them, so that
# whoever launched can stop them); RUN... prefixes the readiness probe (e.g. a namespace's
# nsenter). Returns 1 when /v2/ does not answer within 30 s.
registry_start() {
  local dir=$1 addr=$2 launch=$3
  shift 3
  mkdir -p "$dir/registry"
  sed -e "s#@DIR@#$dir#g" -e "s#@ADDR@#$addr#g" \
    "$(dirname "${BASH_SOURCE[0]}")/../../image/conf/registry.yaml.in" >"$dir/registry.yaml"
  "$launch" docker-registry serve "$dir/registry.yaml"
  wait_for 30 "docker-registry on $addr" "$@" curl -fsS -m 2 "http://$addr/v2/"
}

# tap_summary FILE: "PASSED FAILED SKIPPED" as counted in the closing summary of node's TAP
# reporter (FAILED includes the cancelled, SKIPPED the todo); "0 1 0" when FILE has no summary,
# as when the runner did not finish.
tap_summary() {
  if ! grep -qsE '^# pass [0-9]+$' "$1"; then echo 0 1 0; return 0; fi
  awk '/^# (pass|fail|cancelled|skipped|todo) [0-9]+$/ { n[$2] = $3 }
    END { print n["pass"] + 0, n["fail"] + n["cancelled"], n["skipped"] + n["todo"] }' "$1"
}
