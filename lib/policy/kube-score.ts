// kube-score v1.20.0, built from its Go module into a cache folder outside the repository (keyed by
// version) the first time it is needed. Shared by `npm run test:policy` and the validation plugin.
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import * as path from 'path';

export const KUBE_SCORE_VERSION = 'v1.20.0';
const TOOLS_CACHE = process.env.MEHDB_TOOLS_CACHE || '/var/cache/mehdb-tools';
const BIN_DIR = path.join(TOOLS_CACHE, `kube-score-${KUBE_SCORE_VERSION}`);
const KUBE_SCORE = path.join(BIN_DIR, 'kube-score');

/** One CRITICAL or WARNING comment of kube-score on one object. */
export interface KubeScoreFinding {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The check's id, as `kube-score/ignore` takes it. */
  readonly check: string;
  readonly grade: 'CRITICAL' | 'WARNING';
  readonly message: string;
  readonly description: string;
  readonly file: string;
}

/** The binary's path if it is built, else undefined. */
export function kubeScorePath(): string | undefined {
  return existsSync(KUBE_SCORE) ? KUBE_SCORE : undefined;
}

/** Builds kube-score with `go install` when missing (needs Go and the module proxy); returns its path. */
export function ensureKubeScore(log: (line: string) => void = console.error): string {
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
export function kubeScoreFindings(bin: string, files: readonly string[], { ignoreAnnotations = true } = {}): KubeScoreFinding[] {
  const args = ['score', '--output-format', 'json', ...(ignoreAnnotations ? [] : ['--disable-ignore-checks-annotations']), ...files];
  const run = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.error || !run.stdout.trim().startsWith('[')) throw new Error(`kube-score failed: ${run.error ?? run.stderr}`);
  const grades: Record<number, 'CRITICAL' | 'WARNING'> = { 1: 'CRITICAL', 5: 'WARNING' };
  return (JSON.parse(run.stdout) as any[]).flatMap(object => (object.checks as any[])
    .filter(c => !c.skipped && grades[c.grade])
    .flatMap(c => ((c.comments ?? [{ path: '', summary: c.check.name }]) as any[]).map(comment => ({
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
