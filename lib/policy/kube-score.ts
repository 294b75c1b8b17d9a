// kube-score, one of the project's pinned Go tools: scripts/go-tool.sh builds it from its Go module
// into a cache outside the repository the first time it is needed and prints its path. Used by
// `npm run policy:report` and `npm run test:policy`; synth never runs it (its output must not
// depend on what happens to be built).
import { spawnSync } from 'child_process';
import * as path from 'path';
import { ManifestEntry, PolicyFinding, PolicySeverity } from './evaluate';

/** The version scripts/go-tool.sh pins (a test checks that both say the same). */
export const KUBE_SCORE_VERSION = 'v1.20.0';

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

/**
 * The path of kube-score from `scripts/go-tool.sh kube-score` under `projectRoot`, which builds it
 * when missing (Go and the module proxy, once). Throws when it cannot; go-tool.sh says why on stderr.
 */
export function kubeScoreBinary(projectRoot: string): string {
  const run = spawnSync('bash', [path.join(projectRoot, 'scripts', 'go-tool.sh'), 'kube-score'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const bin = run.stdout?.trim();
  if (run.status !== 0 || !bin) throw new Error(`scripts/go-tool.sh kube-score failed (${run.error?.message ?? `exit ${run.status}`})`);
  return bin;
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

/**
 * kube-score's findings as policy findings on the same objects: CRITICAL is an error (a warning
 * when `warnOnly`), WARNING a warning, and a check the object ignores (`kube-score/ignore`) a
 * declared exception, listed rather than dropped. `shownPath` maps a scored file to the path shown.
 */
export function kubeScorePolicyFindings(found: readonly KubeScoreFinding[], entries: readonly ManifestEntry[],
  warnOnly: boolean, shownPath: (file: string) => string = file => file): PolicyFinding[] {
  return found.map(f => {
    const entry = entries.find(e => e.object.kind === f.kind && e.object.metadata.name === f.name && (e.object.metadata.namespace ?? '') === f.namespace);
    const ignored = String(entry?.object.metadata.annotations?.['kube-score/ignore'] ?? '').split(',').map(c => c.trim()).includes(f.check);
    const severity: PolicySeverity = ignored ? 'exception' : f.grade === 'CRITICAL' && !warnOnly ? 'error' : 'warning';
    return {
      rule: `kube-score ${f.check}`, severity, locations: [f.message],
      recommendation: ignored ? 'ignored by the object\'s kube-score/ignore annotation (README: Policy, kube-score)' : f.description || f.message,
      fix: ignored ? 'none: declared in code next to the construct'
        : 'fix the construct, or for a check that is wrong for this object add it to its kube-score/ignore annotation and explain it in the README',
      object: entry?.object ?? { apiVersion: '', kind: f.kind, metadata: { name: f.name, namespace: f.namespace } },
      manifestPath: entry?.manifestPath ?? shownPath(f.file),
      constructPath: entry?.constructPath,
    };
  });
}
