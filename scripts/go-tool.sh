#!/usr/bin/env bash
# scripts/go-tool.sh [--cached] TOOL -- print the path of a pinned Go tool, building it when
# missing (with --cached: exit 1 instead of building):
#
#   dyff        github.com/homeport/dyff v1.12.0       (npm run diff, the workflow's PR diff)
#   actionlint  github.com/rhysd/actionlint v1.7.12    (.ci/run lints .github/workflows/)
#   kube-score  github.com/zegl/kube-score v1.20.0     (npm run policy:report, npm run test:policy)
#
# The binaries live outside the repository, one folder per tool and version:
# $MEHDB_TOOLS_DIR, else /var/cache/mehdb-tools when writable (root), else
# ${XDG_CACHE_HOME:-~/.cache}/mehdb-tools. When missing there, `go install TOOL@VERSION` builds
# it (needs Go and the Go module proxy; about a minute on 2 cores), into a temporary folder
# first, so two builds at once cannot leave a half-written binary.
set -euo pipefail
LOG_TAG=go-tool
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

CACHED_ONLY=0
if [[ ${1:-} = --cached ]]; then CACHED_ONLY=1; shift; fi
case ${1:-} in
  dyff) module=github.com/homeport/dyff/cmd/dyff version=v1.12.0 ;;
  actionlint) module=github.com/rhysd/actionlint/cmd/actionlint version=v1.7.12 ;;
  kube-score) module=github.com/zegl/kube-score/cmd/kube-score version=v1.20.0 ;;
  -h|--help) usage_from_header; exit 0 ;;
  *) die "unknown tool: ${1:-<none>} (see --help)" ;;
esac
tool=$1

if [[ -n "${MEHDB_TOOLS_DIR:-}" ]]; then
  cache=$MEHDB_TOOLS_DIR
elif mkdir -p /var/cache/mehdb-tools 2>/dev/null && [[ -w /var/cache/mehdb-tools ]]; then
  cache=/var/cache/mehdb-tools
else
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/mehdb-tools
fi
dir="$cache/$tool-$version"
bin="$dir/$tool"

if [[ ! -x "$bin" ]]; then
  [[ $CACHED_ONLY = 0 ]] || exit 1
  have go || die "$tool $version is not in $dir and there is no go to build it (install Go, or set MEHDB_TOOLS_DIR to a folder holding $tool-$version/$tool)"
  mkdir -p "$dir"
  tmp=$(mktemp -d "$dir/.build.XXXXXX")
  log "building $tool $version: go install $module@$version"
  if ! GOBIN=$tmp timeout 1200 go install "$module@$version" >&2; then
    rm -rf "$tmp"
    die "go install $module@$version failed"
  fi
  mv -f "$tmp/$tool" "$bin"
  rm -rf "$tmp"
fi
printf '%s\n' "$bin"
