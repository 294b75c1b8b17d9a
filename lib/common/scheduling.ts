import { k8s } from '../../imports';

/** How a toleration matches a taint's value. */
export enum TolerationOperator {
  /** Any value (and, without a key, every taint). */
  EXISTS = 'Exists',
  /** The toleration's value. */
  EQUAL = 'Equal',
}

/** What a taint does to pods that do not tolerate it. */
export enum TaintEffect {
  NO_SCHEDULE = 'NoSchedule',
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  NO_EXECUTE = 'NoExecute',
}

/** A toleration of a node taint, as Kubernetes writes it. */
export interface PodToleration {
  /** The taint's key; empty with `Exists` tolerates every taint. @default - every key (operator must be Exists) */
  readonly key?: string;
  /** `Exists` (any value) or `Equal` (the value below). @default - Equal (Kubernetes' default) */
  readonly operator?: TolerationOperator;
  /** The taint's value, with `Equal`. @default - none */
  readonly value?: string;
  /** The taint effect tolerated. @default - every effect */
  readonly effect?: TaintEffect;
  /** With `NoExecute`: how long the pod stays once the taint appears. @default - for ever */
  readonly tolerationSeconds?: number;
}

/** How a node label is compared. */
export enum NodeSelectorOperator {
  IN = 'In',
  NOT_IN = 'NotIn',
  EXISTS = 'Exists',
  DOES_NOT_EXIST = 'DoesNotExist',
  GT = 'Gt',
  LT = 'Lt',
}

/** One condition on a node label. */
export interface NodeLabelRequirement {
  /** The node label's key. */
  readonly key: string;
  /** `In`/`NotIn` take values; `Exists`/`DoesNotExist` none; `Gt`/`Lt` one integer. */
  readonly operator: NodeSelectorOperator;
  /** The values compared with. @default - none */
  readonly values?: string[];
}

/** Nodes that meet all of `matchExpressions` score `weight`. */
export interface PreferredNodeAffinityTerm {
  /** 1 to 100. */
  readonly weight: number;
  /** The conditions a node must meet to score. */
  readonly matchExpressions: NodeLabelRequirement[];
}

/** Node affinity in addition to the construct's own placement. */
export interface NodeAffinitySettings {
  /** The pods run only on nodes that meet all of these. @default [] */
  readonly required?: NodeLabelRequirement[];
  /** Nodes that meet a term's conditions score its weight (1-100). @default [] */
  readonly preferred?: PreferredNodeAffinityTerm[];
}

/** The kind of topology domain pods spread over. */
export enum TopologyDomain {
  /** Zones: the node label topology.kubernetes.io/zone. */
  ZONE = 'zone',
  /** Hosts: the node label kubernetes.io/hostname. */
  HOST = 'host',
}

/** What the scheduler does when a pod cannot keep the skew. */
export enum WhenUnsatisfiable {
  /** Keep the pod Pending (nodes without the label are then never used). */
  DO_NOT_SCHEDULE = 'DoNotSchedule',
  /** Schedule it anyway, preferring the least loaded domains. */
  SCHEDULE_ANYWAY = 'ScheduleAnyway',
}

/** Spreads the pods evenly over zones or hosts. */
export interface TopologySpread {
  /** Which domains: `zone` (label topology.kubernetes.io/zone) or `host` (kubernetes.io/hostname). */
  readonly over: TopologyDomain;
  /** The node label that names a domain. @default - topology.kubernetes.io/zone for zone, kubernetes.io/hostname for host */
  readonly topologyKey?: string;
  /** Most pods one domain may have beyond the least loaded one, at least 1. @default 1 */
  readonly maxSkew?: number;
  /**
   * `DoNotSchedule` keeps a pod Pending rather than break the skew (nodes without the label are then
   * never used); `ScheduleAnyway` only prefers. @default WhenUnsatisfiable.SCHEDULE_ANYWAY
   */
  readonly whenUnsatisfiable?: WhenUnsatisfiable;
}

/** The node label of each kind of topology domain. */
export const TOPOLOGY_KEYS: Readonly<Record<TopologyDomain, string>> = {
  [TopologyDomain.ZONE]: 'topology.kubernetes.io/zone',
  [TopologyDomain.HOST]: 'kubernetes.io/hostname',
};

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
