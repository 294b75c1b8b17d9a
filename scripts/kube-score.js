// kube-score v1.20.0, built from its Go module into a cache folder outside the repository (keyed by
// version) the first time it is needed. Shared by `npm run test:policy` and the validation plugin.
'use strict';
const { existsSync } = require('fs');
const { spawnSync } = require('child_process');
const path = require('path');

const KUBE_SCORE_VERSION = 'v1.20.0';
const TOOLS_CACHE = process.env.MEHDB_TOOLS_CACHE || '/var/cache/mehdb-tools';
const BIN_DIR = path.join(TOOLS_CACHE, `kube-score-${KUBE_SCORE_VERSION}`);
const KUBE_SCORE = path.join(BIN_DIR, 'kube-score');

/** The binary's path if it is built, else undefined. */
function kubeScorePath() {
  return existsSync(KUBE_SCORE) ? KUBE_SCORE : undefined;
}

/** Builds kube-score with `go install` when missing (needs Go and the module proxy); returns its path. */
function ensureKubeScore(log = console.error) {
  if (kubeScorePath()) return KUBE_SCORE;
  log(`building kube-score ${KUBE_SCORE_VERSION} into ${BIN_DIR} (once; a few minutes)`);
  const go = spawnSync('go', ['install', `github.com/zegl/kube-score/cmd/kube-score@${KUBE_SCORE_VERSION}`],
    { stdio: 'inherit', env: { ...process.env, GOBIN: BIN_DIR, GOFLAGS: '-mod=mod' } });
  if (go.status !== 0 || !kubeScorePath()) throw new Error(`go install of kube-score ${KUBE_SCORE_VERSION} failed (is Go installed and the module proxy reachable?)`);
  return KUBE_SCORE;
}

/**
 * Runs kube-score on manifest files and returns its findings: every check graded CRITICAL or
 * WARNING, one per comment, as { kind, namespace, name, check, grade, message, file }.
 * `ignoreAnnotations: false` disables the `kube-score/ignore` annotations (to count what they hide).
 */
function kubeScoreFindings(bin, files, { ignoreAnnotations = true } = {}) {
  const args = ['score', '--output-format', 'json', ...(ignoreAnnotations ? [] : ['--disable-ignore-checks-annotations']), ...files];
  const run = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.error || !run.stdout.trim().startsWith('[')) throw new Error(`kube-score failed: ${run.error ?? run.stderr}`);
  const grades = { 1: 'CRITICAL', 5: 'WARNING' };
  return JSON.parse(run.stdout).flatMap(object => object.checks
    .filter(c => !c.skipped && grades[c.grade])
    .flatMap(c => (c.comments ?? [{ path: '', summary: c.check.name }]).map(comment => ({
      kind: object.type_meta.kind,
      namespace: object.object_meta.namespace ?? '',
      name: object.object_meta.name,
      check: c.check.id,
      grade: grades[c.grade],
      message: `${comment.path ? `(${comment.path}) ` : ''}${comment.summary}`,
      description: comment.description ?? '',
      file: object.file_name,
    }))));
}

module.exports = { KUBE_SCORE_VERSION, kubeScorePath, ensureKubeScore, kubeScoreFindings };
