# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# Processes of the test cluster: each is started detached (it outlives `npm run cluster:up`),
# logs to $STATE/logs/NAME.log and is recorded in $STATE/pids (start order), so that
# `npm run cluster:down` can stop it. Sourced by cluster/lib/cluster.sh.

# start_bg NAME [in_net|in_nodes] CMD...: starts CMD detached (in the cluster's namespaces when
# asked) and records it. A process started again (a node's power on) appends to its log.
start_bg() {
  local name=$1
  shift
  case $1 in
    in_net) shift; set -- nsenter --target "$(holder_pid)" --net -- "$@" ;;
    in_nodes) shift; set -- nsenter --target "$(holder_pid)" --net --mount -- "$@" ;;
  esac
  mkdir -p "$STATE/logs"
  setsid "$@" >>"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo "$! $name" >>"$STATE/pids"
  log "  started $name (pid $!, log $STATE/logs/$name.log)"
}

# in_net CMD...: runs CMD in the cluster's network namespace (host mount namespace).
in_net() { nsenter --target "$(holder_pid)" --net -- "$@"; }
# in_nodes CMD...: runs CMD in the cluster's network and the nodes' mount namespace.
in_nodes() { nsenter --target "$(holder_pid)" --net --mount -- "$@"; }
holder_pid() { cat "$STATE/holder.pid"; }

# pid_of NAME: the pid NAME was last recorded with, if it still runs.
pid_of() {
  local pid
  pid=$(awk -v n="$1" '$2 == n {p = $1} END {print p}' "$STATE/pids" 2>/dev/null)
  [[ -n $pid ]] && proc_alive "$pid" && echo "$pid"
}

# forget_records NAME...: drops the records of NAMEs (processes killed outside stop_recorded, as
# by a node's power cut), so that no later stop signals their pids once reused.
forget_records() {
  awk -v names=" $* " 'index(names, " " $2 " ") == 0' "$STATE/pids" >"$STATE/pids.new"
  mv "$STATE/pids.new" "$STATE/pids"
}

# assert_alive NAME: fails with the end of NAME's log if the process has exited.
assert_alive() {
  pid_of "$1" >/dev/null && return 0
  tail -n 30 "$STATE/logs/$1.log" >&2
  die "$1 exited early; end of its log above"
}

# stop_recorded [NAME_PATTERN]: TERM to the process groups of the recorded processes (matching
# the pattern; start_bg made each a group leader, so a wrapper such as unshare --fork, which
# ignores TERM, passes it on to its child), then KILL to those still running 10 s later.
stop_recorded() {
  local pattern=${1:-*} pid name _ entry left=()
  [[ -f $STATE/pids ]] || return 0
  while read -r pid name; do
    # shellcheck disable=SC2053
    if [[ $name == $pattern ]] && kill -TERM -- "-$pid" 2>/dev/null; then left+=("$pid:$name"); fi
  done < <(tac "$STATE/pids")
  for _ in $(seq 1 20); do
    local still=()
    for entry in "${left[@]}"; do proc_alive "${entry%%:*}" && still+=("$entry"); done
    left=("${still[@]}")
    (( ${#left[@]} )) || return 0
    sleep 0.5
  done
  for entry in "${left[@]}"; do
    log "  ${entry#*:} (pid ${entry%%:*}) did not stop on TERM; killing"
    kill -KILL -- "-${entry%%:*}" 2>/dev/null || true
  done
}

# kill_netns_members INODE: SIGKILL every process whose network namespace has INODE (what
# escaped the records: daemons that forked, runtime shims).
kill_netns_members() {
  local inode=$1 p
  [[ -n $inode ]] || return 0
  for p in /proc/[0-9]*; do
    if [[ "$(stat -L -c %i "$p/ns/net" 2>/dev/null)" == "$inode" ]]; then kill -KILL "${p#/proc/}" 2>/dev/null || true; fi
  done
  return 0
}

# cgroup_members [NODE]: the PIDs in the nodes' cgroup folders (only NODE's when given), from
# every hierarchy, each once. Runtimes remove a pod's folder when it ends, so folders vanish
# while they are read: what cannot be read is skipped, and this never fails.
cgroup_members() {
  local f
  while read -r f; do
    cat "$f" 2>/dev/null || true
  done < <(find /sys/fs/cgroup/*"$CGROUP_PARENT${1:+/$1}" -name cgroup.procs 2>/dev/null) | sort -un
}

# kill_cgroup_members [NODE]: SIGKILL every process in the nodes' cgroups (the containers), or
# in NODE's only. Never fails: a process may end before the signal reaches it.
kill_cgroup_members() {
  local pids=()
  mapfile -t pids < <(cgroup_members "$@")
  (( ${#pids[@]} == 0 )) || kill -KILL "${pids[@]}" 2>/dev/null || true
}

# proc_alive PID: PID runs (a zombie, killed but not yet reaped, does not).
proc_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}
