import { dirname } from 'path';
import type { Validation, ValidationContext, ValidationViolatingResource } from 'cdk8s-cli/lib/plugins/validation';
import { readFileSync } from 'fs';
import { objectKey, readSynthRecord, sha256, SynthRecord } from './synth-record';
import { evaluatePolicy, ManifestEntry, PolicyFinding, PolicySeverity } from './evaluate';
import { KUBE_SCORE_VERSION, kubeScoreFindings, kubeScorePath } from './kube-score';
import { ManifestObject } from './rules';

/** `properties` of the plugin in cdk8s.yaml. */
export interface MehdbPolicyProperties {
  /**
   * Report violations as warnings when every variable here has the given value, e.g.
   * `{ MEHDB_PRESET: tutorial }`: the tutorial preset reproduces the course as it is.
   * @default - violations are errors
   */
  readonly warnOnlyWhen?: Record<string, string>;
  /** Add kube-score's findings when its binary is built (`npm run test:policy` builds it). @default true */
  readonly kubeScore?: boolean;
}

/**
 * The project's hardening policy as a cdk8s validation plugin: `cdk8s synth` runs it on the
 * manifests after every synth (cdk8s.yaml `validations:`). Error-level violations fail synth;
 * warnings and the exceptions declared in code are reported and pass.
 */
export class MehdbPolicyValidation implements Validation {
  constructor(private readonly properties: MehdbPolicyProperties = {}) {}

  public async validate(context: ValidationContext): Promise<void> {
    const records = new Map<string, SynthRecord>();
    const recordOf = (outdir: string) => {
      if (!records.has(outdir)) records.set(outdir, readSynthRecord(process.cwd(), outdir));
      return records.get(outdir)!;
    };
    const entries: ManifestEntry[] = context.manifests.flatMap(manifestPath =>
      this.objectsOf(context, manifestPath, recordOf(dirname(manifestPath))).map(object => ({ object, manifestPath })));
    const warnOnly = Object.entries(this.properties.warnOnlyWhen ?? {}).length > 0
      && Object.entries(this.properties.warnOnlyWhen ?? {}).every(([name, value]) => process.env[name] === value);
    const findings = [...evaluatePolicy(entries, { warnOnly }), ...this.kubeScore(context, entries, warnOnly)];
    this.registerConstructPaths(context, [...records.values()]);
    for (const group of groupByRule(findings)) {
      const [first] = group;
      context.report.addViolation({
        ruleName: `[${first.severity}] ${first.rule}`,
        recommendation: first.recommendation,
        fix: first.fix,
        violatingResources: group.map(toResource),
      });
    }
    const count = (severity: PolicySeverity) => String(findings.filter(f => f.severity === severity).length);
    context.report.submit(count('error') === '0' ? 'success' : 'failure', {
      'Errors (fail synth)': count('error'),
      'Warnings': count('warning'),
      'Declared exceptions': count('exception'),
      'Mode': warnOnly ? `warn only (${Object.entries(this.properties.warnOnlyWhen ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')})` : 'enforce',
      'kube-score': this.properties.kubeScore === false ? 'off'
        : kubeScorePath() ? `${KUBE_SCORE_VERSION}, findings included` : 'not built (npm run test:policy builds it)',
    });
  }

  /**
   * kube-score's CRITICAL and WARNING findings on the same manifests, when its binary is there.
   * Checks an object ignores (`kube-score/ignore`) are listed as exceptions, not dropped.
   */
  private kubeScore(context: ValidationContext, entries: ManifestEntry[], warnOnly: boolean): PolicyFinding[] {
    const bin = this.properties.kubeScore === false ? undefined : kubeScorePath();
    if (!bin || context.manifests.length === 0) return [];
    return kubeScoreFindings(bin, context.manifests, { ignoreAnnotations: false }).map(f => {
      const entry = entries.find(e => e.object.kind === f.kind && e.object.metadata.name === f.name && (e.object.metadata.namespace ?? '') === f.namespace);
      const ignored = String(entry?.object.metadata.annotations?.['kube-score/ignore'] ?? '').split(',').map(c => c.trim()).includes(f.check);
      const severity: PolicySeverity = ignored ? 'exception' : f.grade === 'CRITICAL' && !warnOnly ? 'error' : 'warning';
      return {
        rule: `kube-score ${f.check}`, severity, locations: [f.message],
        recommendation: ignored ? 'ignored by the object\'s kube-score/ignore annotation (README: Policy, kube-score)' : f.description || f.message,
        fix: ignored ? 'none: declared in code next to the construct'
          : 'fix the construct, or for a check that is wrong for this object add it to its kube-score/ignore annotation and explain it in the README',
        object: entry?.object ?? { apiVersion: '', kind: f.kind, metadata: { name: f.name, namespace: f.namespace } },
        manifestPath: entry?.manifestPath ?? f.file,
      };
    });
  }

  /** A manifest's objects: from the app's record when the text is the one recorded, else parsed. */
  private objectsOf(context: ValidationContext, manifestPath: string, record: SynthRecord): ManifestObject[] {
    const recorded = record.manifests[sha256(readFileSync(manifestPath, 'utf8'))];
    return ((recorded ?? context.parseManifest(manifestPath)) as ManifestObject[]).filter(Boolean);
  }

  /** Lets the CLI's report print each object's construct path (it looks them up by resource name). */
  private registerConstructPaths(context: ValidationContext, records: SynthRecord[]): void {
    const metadata = context.metadata as Record<string, { path: string }>;
    for (const record of records) {
      for (const [key, path] of Object.entries(record.paths)) metadata[key] = { path };
    }
  }
}

function groupByRule(findings: PolicyFinding[]): PolicyFinding[][] {
  const order: PolicySeverity[] = ['error', 'warning', 'exception'];
  const groups = new Map<string, PolicyFinding[]>();
  for (const f of [...findings].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity))) {
    // Exceptions differ in their reason, so each is its own entry.
    const key = f.severity === 'exception' ? `${f.rule}|${f.recommendation}` : `${f.severity}|${f.rule}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()];
}

function toResource(f: PolicyFinding): ValidationViolatingResource {
  return {
    resourceName: objectKey(f.object.kind, f.object.metadata.namespace, f.object.metadata.name),
    manifestPath: f.manifestPath,
    locations: f.locations,
  };
}
