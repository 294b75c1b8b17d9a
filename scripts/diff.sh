#!/usr/bin/env bash
# npm run diff -- <git-ref> [--dist | --to DIR] [--markdown] -- a per-object semantic diff of
# the manifests: dist/ as committed at <git-ref> against the work tree's manifests, with dyff
# (github.com/homeport/dyff). Both sides are sorted by apiVersion, kind, namespace and name
# first, so a moved or reordered object is no change, and each change is shown under its object.
#
#   <git-ref>    any commit: HEAD~1, main, origin/main, a tag, a SHA
#   --dist       the work tree's side is dist/ as it is (default: a fresh synth of the work
#                tree's code, default preset, into a temporary folder; dist/ is not touched)
#   --to DIR     the work tree's side is the manifests in DIR (e.g. another environment's)
#   --markdown   Markdown for a GitHub job summary (a heading and a plain-text block)
#
# Works offline; dyff is built once by scripts/go-tool.sh when missing. Exit code 0 whether or
# not the manifests differ; non-zero when something fails.
set -euo pipefail
LOG_TAG="diff"
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)

REF=""
TO_DIR=""
MARKDOWN=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --dist) TO_DIR=dist; shift ;;
    --to) [[ $# -ge 2 ]] || die "--to needs a folder"; TO_DIR=$2; shift 2 ;;
    --markdown) MARKDOWN=1; shift ;;
    -h|--help) usage_from_header; exit 0 ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) [[ -z "$REF" ]] || die "one git ref only (see --help)"; REF=$1; shift ;;
  esac
done
[[ -n "$REF" ]] || die "which git ref? e.g. npm run diff -- HEAD~1 (see --help)"
[[ -z "$TO_DIR" || "$TO_DIR" = /* ]] || TO_DIR="${INIT_CWD:-$PWD}/$TO_DIR"
cd "$REPO_ROOT"
[[ -z "$TO_DIR" || -d "$TO_DIR" ]] || die "no folder $TO_DIR"
git rev-parse --verify --quiet "$REF^{commit}" >/dev/null || die "not a commit here: $REF"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mehdb-diff.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# objects FILE...: the YAML documents of the files as one stream, sorted by apiVersion, kind,
# namespace and name, so neither the file an object is in nor its place there counts as a change
# (dyff would report a document order change); the order inside each object is kept.
objects() {
  node -e '
    const fs = require("fs");
    const YAML = require("yaml");
    const docs = [];
    for (const file of process.argv.slice(1)) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
        const o = doc.toJSON();
        if (!o) continue;
        const m = o.metadata || {};
        docs.push({ key: [o.apiVersion, o.kind, m.namespace || "", m.name || ""].join("/"), text: doc.toString() });
      }
    }
    docs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    process.stdout.write(docs.map((d) => d.text).join("---\n"));' "$@"
}

# The ref's side: every dist/*.yaml committed there (none: an empty stream).
mkdir -p "$WORK/from"
git ls-tree -r --name-only "$REF" -- dist/ | grep -E '\.ya?ml$' | while read -r f; do
  git show "$REF:$f" >"$WORK/from/$(basename "$f")"
done || true
# The work tree's side.
if [[ -n "$TO_DIR" ]]; then
  TO_LABEL=${TO_DIR#"$REPO_ROOT"/}
else
  TO_DIR="$WORK/to"
  TO_LABEL="work tree (fresh synth)"
  if ! env -u MEHDB_PRESET -u MEHDB_CONFIG node scripts/synth.js --output "$TO_DIR" >"$WORK/synth.log" 2>&1; then
    cat "$WORK/synth.log" >&2
    die "synth of the work tree failed (output above)"
  fi
fi
shopt -s nullglob
from_files=("$WORK"/from/*.yaml "$WORK"/from/*.yml)
to_files=("$TO_DIR"/*.yaml "$TO_DIR"/*.yml)
shopt -u nullglob
objects "${from_files[@]}" >"$WORK/from.yaml"
objects "${to_files[@]}" >"$WORK/to.yaml"

DYFF=$(bash "$REPO_ROOT/scripts/go-tool.sh" dyff)
color=()
[[ $MARKDOWN = 1 ]] && color=(--color off)
status=0
"$DYFF" between "${color[@]}" --omit-header --set-exit-code "$WORK/from.yaml" "$WORK/to.yaml" >"$WORK/report.txt" 2>&1 || status=$?
case $status in
  0) : >"$WORK/report.txt"; summary="no differences" ;;
  1) summary="differences below" ;;
  *) cat "$WORK/report.txt" >&2; die "dyff failed (exit $status)" ;;
esac

label="$(git rev-parse --short "$REF") ($REF)"
if [[ $MARKDOWN = 1 ]]; then
  printf '### Manifests: %s → %s\n\n' "$label" "$TO_LABEL"
  if [[ $status = 0 ]]; then
    printf 'No differences in the Kubernetes objects.\n'
  else
    printf '<details open><summary>dyff between, per object</summary>\n\n```text\n'
    cat "$WORK/report.txt"
    printf '```\n\n</details>\n'
  fi
else
  printf 'manifests: %s -> %s: %s\n' "$label" "$TO_LABEL" "$summary"
  cat "$WORK/report.txt"
fi
