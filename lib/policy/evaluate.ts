import { POLICY_EXCEPTION_PREFIX } from './exceptions';
import { POLICY_RULE_IDS, PolicyRuleId } from './rule-ids';
import { asWorkload, ManifestObject, POLICY_RULES } from './rules';

/** error: fails synth. warning: reported, passes. exception: declared in code, reported, passes. */
export type PolicySeverity = 'error' | 'warning' | 'exception';

/** One rule broken by one object (or an exception it declares). */
export interface PolicyFinding {
  readonly rule: string;
  readonly severity: PolicySeverity;
  readonly object: ManifestObject;
  readonly manifestPath: string;
  /** The construct that made the object, when known (e.g. `namespaced/Mehdb/StatefulSet`). */
  readonly constructPath?: string;
  readonly locations: readonly string[];
  /** What the rule asks for, or for an exception the reason declared in code. */
  readonly recommendation: string;
  readonly fix: string;
}

/** An object, the manifest file it is written to and, when known, the construct that made it. */
export interface ManifestEntry {
  readonly object: ManifestObject;
  readonly manifestPath: string;
  readonly constructPath?: string;
}

export interface EvaluateOptions {
  /** Report violations as warnings (the tutorial preset reproduces the course as it is). @default false */
  readonly warnOnly?: boolean;
}

/**
 * Checks every workload against every rule. A violation of a rule the object declares an
 * exception for (annotation `exception.policy.mehdb.local/<rule>`) is reported as an exception;
 * an exception that is not needed, or names no rule, is reported too.
 */
export function evaluatePolicy(entries: readonly ManifestEntry[], options: EvaluateOptions = {}): PolicyFinding[] {
  const all = entries.map(e => e.object);
  const findings: PolicyFinding[] = [];
  for (const { object, manifestPath, constructPath } of entries) {
    const workload = asWorkload(object);
    const exceptions = declaredExceptions(object);
    const at = (rule: string, severity: PolicySeverity, locations: string[], recommendation: string, fix: string) =>
      findings.push({ rule, severity, object, manifestPath, constructPath, locations, recommendation, fix });
    for (const rule of Object.keys(exceptions)) {
      if (!(POLICY_RULE_IDS as readonly string[]).includes(rule)) {
        at(rule, 'error', [`metadata.annotations.${POLICY_EXCEPTION_PREFIX}${rule}`], `an exception to "${rule}", which is not a rule`, `use one of ${POLICY_RULE_IDS.join(', ')}`);
      }
    }
    if (!workload) continue;
    for (const rule of POLICY_RULES) {
      const locations = rule.check(workload, all);
      const reason = exceptions[rule.id];
      if (locations.length > 0 && reason !== undefined) at(rule.id, 'exception', locations, reason, 'none: declared in code next to the construct');
      else if (locations.length > 0) at(rule.id, options.warnOnly ? 'warning' : 'error', locations, rule.description, rule.fix);
      else if (reason !== undefined) {
        at(rule.id, 'warning', [`metadata.annotations.${POLICY_EXCEPTION_PREFIX}${rule.id}`], 'an exception is declared, but the object follows the rule', 'remove the exception');
      }
    }
  }
  return findings;
}

function declaredExceptions(object: ManifestObject): Partial<Record<PolicyRuleId | string, string>> {
  return Object.fromEntries(Object.entries(object.metadata?.annotations ?? {})
    .filter(([key]) => key.startsWith(POLICY_EXCEPTION_PREFIX))
    .map(([key, reason]) => [key.slice(POLICY_EXCEPTION_PREFIX.length), reason]));
}
