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
