import { ApiObject } from 'cdk8s';
import { PolicyRuleId } from './rule-ids';

/**
 * Annotation prefix of a declared exception to the hardening policy:
 * `exception.policy.mehdb.local/<rule>: <reason>`. The validation plugin lists every one in its
 * report; an object can never skip a rule silently.
 */
export const POLICY_EXCEPTION_PREFIX = 'exception.policy.mehdb.local/';

/** Why an object departs from each rule it does not follow. */
export type PolicyExceptions = Partial<Record<PolicyRuleId, string>>;

/** Declares, on the object itself, the rules it does not follow and why. */
export function declarePolicyExceptions(object: ApiObject, exceptions: PolicyExceptions): void {
  for (const [rule, reason] of Object.entries(exceptions)) {
    object.metadata.addAnnotation(`${POLICY_EXCEPTION_PREFIX}${rule}`, reason as string);
  }
}
