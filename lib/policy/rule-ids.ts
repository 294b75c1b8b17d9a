/** The rules of the project's hardening policy (lib/policy/rules.ts checks them). */
export const POLICY_RULE_IDS = [
  'run-as-non-root',
  'read-only-root-filesystem',
  'no-privilege-escalation',
  'drop-all-capabilities',
  'seccomp-profile',
  'resources',
  'probes',
  'image-digest',
  'pod-disruption-budget',
  'network-policy',
] as const;
export type PolicyRuleId = typeof POLICY_RULE_IDS[number];
