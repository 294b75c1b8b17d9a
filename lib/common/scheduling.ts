import { k8s } from '../../imports';
import { isQualifiedKey } from './metadata';
import { InvalidPropError, show } from './prop-error';
import { checkInteger, checkKnownKeys, checkOneOf } from './validate';

/** A toleration of a node taint, as Kubernetes writes it. */
export interface PodToleration {
  /** The taint's key; empty with `Exists` tolerates every taint. @default - every key (operator must be Exists) */
  readonly key?: string;
  /** `Exists` (any value) or `Equal` (the value below). @default 'Equal' */
  readonly operator?: 'Exists' | 'Equal';
  /** The taint's value, with `Equal`. @default - none */
  readonly value?: string;
  /** The taint effect tolerated. @default - every effect */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  /** With `NoExecute`: how long the pod stays once the taint appears. @default - for ever */
  readonly tolerationSeconds?: number;
}

/** One condition on a node label. */
export interface NodeLabelRequirement {
  readonly key: string;
  /** `In`/`NotIn` take values; `Exists`/`DoesNotExist` none; `Gt`/`Lt` one integer. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  readonly values?: string[];
}

/** Node affinity in addition to the construct's own placement. */
export interface NodeAffinitySettings {
  /** The pods run only on nodes that meet all of these. @default [] */
  readonly required?: NodeLabelRequirement[];
  /** Nodes that meet a term's conditions score its weight (1-100). @default [] */
  readonly preferred?: Array<{ readonly weight: number; readonly matchExpressions: NodeLabelRequirement[] }>;
}

/** Spreads the pods evenly over zones or hosts. */
export interface TopologySpread {
  /** Which domains: `zone` (label topology.kubernetes.io/zone) or `host` (kubernetes.io/hostname). */
  readonly over: 'zone' | 'host';
  /** The node label that names a domain. @default - topology.kubernetes.io/zone for zone, kubernetes.io/hostname for host */
  readonly topologyKey?: string;
  /** Most pods one domain may have beyond the least loaded one. @default 1 */
  readonly maxSkew?: number;
  /**
   * `DoNotSchedule` keeps a pod Pending rather than break the skew (nodes without the label are then
   * never used); `ScheduleAnyway` only prefers. @default 'ScheduleAnyway'
   */
  readonly whenUnsatisfiable?: 'DoNotSchedule' | 'ScheduleAnyway';
}

/** The node label of each kind of topology domain. */
export const TOPOLOGY_KEYS = { zone: 'topology.kubernetes.io/zone', host: 'kubernetes.io/hostname' } as const;
/** Defaults of a {@link TopologySpread}'s optional fields. */
export const TOPOLOGY_SPREAD_DEFAULTS = { maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' } as const;

function checkKey(prop: string, key: unknown): string {
  if (typeof key !== 'string' || !isQualifiedKey(key)) {
    throw new InvalidPropError(prop, `${show(key)} is not a valid node label key`, 'write "[dns-prefix/]name", e.g. "node-role.kubernetes.io/control-plane"');
  }
  return key;
}

/** A toleration Kubernetes accepts (the API server's rules). */
export function checkToleration(prop: string, t: PodToleration): PodToleration {
  checkKnownKeys(prop, t, ['key', 'operator', 'value', 'effect', 'tolerationSeconds']);
  const operator = checkOneOf(`${prop}.operator`, t.operator ?? 'Equal', ['Exists', 'Equal']);
  if (t.key === undefined || t.key === '') {
    if (operator !== 'Exists') throw new InvalidPropError(`${prop}.key`, 'a toleration without key must use operator Exists', 'give the taint key, or set operator "Exists" to tolerate every taint');
  } else {
    checkKey(`${prop}.key`, t.key);
  }
  if (operator === 'Exists' && t.value !== undefined) {
    throw new InvalidPropError(`${prop}.value`, 'operator Exists takes no value', 'remove the value, or use operator "Equal"');
  }
  if (t.effect !== undefined) checkOneOf(`${prop}.effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
  if (t.tolerationSeconds !== undefined) {
    if (t.effect !== 'NoExecute') throw new InvalidPropError(`${prop}.tolerationSeconds`, 'only NoExecute tolerations have a time', 'set effect "NoExecute" or remove tolerationSeconds');
    checkInteger(`${prop}.tolerationSeconds`, t.tolerationSeconds, 0);
  }
  return t;
}

function checkRequirement(prop: string, r: NodeLabelRequirement): NodeLabelRequirement {
  checkKnownKeys(prop, r, ['key', 'operator', 'values']);
  checkKey(`${prop}.key`, r.key);
  const operator = checkOneOf(`${prop}.operator`, r.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);
  const values = r.values ?? [];
  const ok = operator === 'In' || operator === 'NotIn' ? values.length > 0
    : operator === 'Gt' || operator === 'Lt' ? values.length === 1 && /^-?\d+$/.test(values[0])
      : values.length === 0;
  if (!ok) {
    throw new InvalidPropError(`${prop}.values`, `${show(r.values)} does not fit operator ${operator}`,
      'give In/NotIn at least one value, Gt/Lt exactly one integer, Exists/DoesNotExist none');
  }
  return r;
}

/** Node affinity whose every condition Kubernetes accepts. */
export function checkNodeAffinity(prop: string, a: NodeAffinitySettings): NodeAffinitySettings {
  checkKnownKeys(prop, a, ['required', 'preferred']);
  (a.required ?? []).forEach((r, i) => checkRequirement(`${prop}.required[${i}]`, r));
  (a.preferred ?? []).forEach((term, i) => {
    checkKnownKeys(`${prop}.preferred[${i}]`, term, ['weight', 'matchExpressions']);
    checkInteger(`${prop}.preferred[${i}].weight`, term.weight, 1, 100);
    (term.matchExpressions ?? []).forEach((r, j) => checkRequirement(`${prop}.preferred[${i}].matchExpressions[${j}]`, r));
  });
  return a;
}

/** A topology spread with its defaults filled in and checked. */
export function checkTopologySpread(prop: string, s: TopologySpread): Required<TopologySpread> {
  checkKnownKeys(prop, s, ['over', 'topologyKey', 'maxSkew', 'whenUnsatisfiable']);
  const over = checkOneOf(`${prop}.over`, s.over, ['zone', 'host']);
  return {
    over,
    topologyKey: checkKey(`${prop}.topologyKey`, s.topologyKey ?? TOPOLOGY_KEYS[over]),
    maxSkew: checkInteger(`${prop}.maxSkew`, s.maxSkew ?? TOPOLOGY_SPREAD_DEFAULTS.maxSkew, 1),
    whenUnsatisfiable: checkOneOf(`${prop}.whenUnsatisfiable`, s.whenUnsatisfiable ?? TOPOLOGY_SPREAD_DEFAULTS.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']),
  };
}

/** The typed form of node affinity; undefined when it asks for nothing. */
export function toNodeAffinity(a: NodeAffinitySettings): k8s.NodeAffinity | undefined {
  const required = a.required ?? [];
  const preferred = a.preferred ?? [];
  if (required.length === 0 && preferred.length === 0) return undefined;
  return {
    requiredDuringSchedulingIgnoredDuringExecution: required.length ? { nodeSelectorTerms: [{ matchExpressions: required }] } : undefined,
    preferredDuringSchedulingIgnoredDuringExecution: preferred.length
      ? preferred.map(p => ({ weight: p.weight, preference: { matchExpressions: p.matchExpressions } })) : undefined,
  };
}
