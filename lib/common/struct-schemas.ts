// Schemas of the structs that several constructs share (probe timing, resources, scheduling).
import { z } from 'zod';
import { isQualifiedKey } from './metadata';
import { ProbeTiming } from './probes';
import { InvalidPropError, show } from './prop-error';
import { ContainerResources, ResourceAmounts } from './resources';
import {
  NodeAffinitySettings, NodeLabelRequirement, NodeSelectorOperator, PodToleration, PreferredNodeAffinityTerm, TaintEffect,
  TolerationOperator, TopologyDomain, TopologySpread, WhenUnsatisfiable,
} from './scheduling';
import { checked, problem, structOf } from './schema';
import { checkInteger, checkQuantity } from './validate';

/** An integer from `min` to `max`. */
export const integer = (min: number, max?: number) => checked(z.number(), (p, v) => checkInteger(p, v, min, max));

/** A label or annotation key: `[prefix/]name`. */
export const labelKey = checked(z.string(), (p, key) => {
  if (!isQualifiedKey(key)) throw new InvalidPropError(p, `${show(key)} is not a valid node label key`, 'write "[dns-prefix/]name", e.g. "node-role.kubernetes.io/control-plane"');
});

export const PROBE_TIMING = structOf<ProbeTiming>('ProbeTiming')({
  initialDelaySeconds: integer(0, 3600).optional(),
  periodSeconds: integer(1, 3600).optional(),
  timeoutSeconds: integer(1, 3600).optional(),
  failureThreshold: integer(1, 1000).optional(),
});

/** Probe timing whose fields left out take `defaults` (stated here, in the setting's schema). */
export function probeTiming(defaults: ProbeTiming = {}) {
  return PROBE_TIMING.optional().meta({ default: defaults }).transform(t => ({ ...defaults, ...t }));
}

const quantity = checked(z.string(), checkQuantity);

export const RESOURCE_AMOUNTS = structOf<ResourceAmounts>('ResourceAmounts')({
  cpu: quantity.optional(),
  memory: quantity.optional(),
  ephemeralStorage: quantity.optional(),
});

export const CONTAINER_RESOURCES = structOf<ContainerResources>('ContainerResources')({
  requests: RESOURCE_AMOUNTS.optional(),
  limits: RESOURCE_AMOUNTS.optional(),
});

/** A toleration Kubernetes accepts (the API server's rules). */
export const POD_TOLERATION = structOf<PodToleration>('PodToleration')({
  key: z.string().optional(),
  operator: z.enum(TolerationOperator).optional(),
  value: z.string().optional(),
  effect: z.enum(TaintEffect).optional(),
  tolerationSeconds: integer(0).optional(),
}).superRefine((t, ctx) => {
  const exists = t.operator === TolerationOperator.EXISTS;
  if (!t.key && !exists) problem(ctx, ['key'], 'a toleration without key must use operator Exists', 'give the taint key, or set operator "Exists" to tolerate every taint');
  if (t.key && !isQualifiedKey(t.key)) problem(ctx, ['key'], `${show(t.key)} is not a valid node label key`, 'write "[dns-prefix/]name", e.g. "node-role.kubernetes.io/control-plane"');
  if (exists && t.value !== undefined) problem(ctx, ['value'], 'operator Exists takes no value', 'remove the value, or use operator "Equal"');
  if (t.tolerationSeconds !== undefined && t.effect !== TaintEffect.NO_EXECUTE) {
    problem(ctx, ['tolerationSeconds'], 'only NoExecute tolerations have a time', 'set effect "NoExecute" or remove tolerationSeconds');
  }
});

const NODE_LABEL_REQUIREMENT = structOf<NodeLabelRequirement>('NodeLabelRequirement')({
  key: labelKey,
  operator: z.enum(NodeSelectorOperator),
  values: z.array(z.string()).optional(),
}).superRefine((r, ctx) => {
  const values = r.values ?? [];
  const ok = r.operator === NodeSelectorOperator.IN || r.operator === NodeSelectorOperator.NOT_IN ? values.length > 0
    : r.operator === NodeSelectorOperator.GT || r.operator === NodeSelectorOperator.LT ? values.length === 1 && /^-?\d+$/.test(values[0])
      : values.length === 0;
  if (!ok) {
    problem(ctx, ['values'], `${show(r.values)} does not fit operator ${r.operator}`,
      'give In/NotIn at least one value, Gt/Lt exactly one integer, Exists/DoesNotExist none');
  }
});

const PREFERRED_TERM = structOf<PreferredNodeAffinityTerm>('PreferredNodeAffinityTerm')({
  weight: integer(1, 100),
  matchExpressions: z.array(NODE_LABEL_REQUIREMENT),
});

export const NODE_AFFINITY = structOf<NodeAffinitySettings>('NodeAffinitySettings')({
  required: z.array(NODE_LABEL_REQUIREMENT).optional(),
  preferred: z.array(PREFERRED_TERM).optional(),
});

export const TOPOLOGY_SPREAD = structOf<TopologySpread>('TopologySpread')({
  over: z.enum(TopologyDomain),
  topologyKey: labelKey.optional(),
  maxSkew: integer(1).default(1),
  whenUnsatisfiable: z.enum(WhenUnsatisfiable).default(WhenUnsatisfiable.SCHEDULE_ANYWAY),
});
