import { POLICY_RULE_IDS, PolicyRuleId } from './rule-ids';

/** A Kubernetes object as read from a manifest. */
export type ManifestObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [field: string]: any };

/** One rule of the hardening policy. */
export interface PolicyRule {
  readonly id: PolicyRuleId;
  /** What the rule asks for (the report's recommendation). */
  readonly description: string;
  /** How to fix a violation. */
  readonly fix: string;
  /** The locations (field paths) in `workload` that break the rule; none when it passes. */
  check(workload: Workload, all: readonly ManifestObject[]): string[];
}

/** A pod-making object with the path of its pod template. */
export interface Workload {
  readonly object: ManifestObject;
  /** Path of the pod spec, e.g. `spec.template.spec`. */
  readonly podPath: string;
  readonly pod: { metadata?: { labels?: Record<string, string> }; spec: any };
  readonly replicas: number;
}

type Container = { name: string; image?: string; securityContext?: any; resources?: any; livenessProbe?: unknown; readinessProbe?: unknown };

/** The pod template of each kind that makes pods; other objects are not workloads. */
export function asWorkload(object: ManifestObject): Workload | undefined {
  const withTemplate = (podPath: string, pod: any, replicas = 1): Workload | undefined =>
    pod?.spec ? { object, podPath, pod, replicas } : undefined;
  switch (object.kind) {
    case 'Pod': return withTemplate('spec', { metadata: object.metadata, spec: object.spec });
    case 'Deployment': case 'StatefulSet': case 'ReplicaSet':
      return withTemplate('spec.template.spec', object.spec?.template, object.spec?.replicas ?? 1);
    case 'DaemonSet': case 'Job': return withTemplate('spec.template.spec', object.spec?.template);
    case 'CronJob': return withTemplate('spec.jobTemplate.spec.template.spec', object.spec?.jobTemplate?.spec?.template);
    default: return undefined;
  }
}

/** Checks each container (init containers too unless `mainOnly`); returns the failing locations. */
function perContainer(w: Workload, failing: (c: Container, pod: any) => string[], mainOnly = false): string[] {
  const lists: Array<[string, Container[]]> = [['containers', w.pod.spec.containers ?? []]];
  if (!mainOnly) lists.push(['initContainers', w.pod.spec.initContainers ?? []]);
  return lists.flatMap(([list, containers]) => containers.flatMap((c, i) =>
    failing(c, w.pod.spec).map(field => `${w.podPath}.${list}[${i}]${field ? `.${field}` : ''} (container ${c.name})`)));
}

/** Whether a label selector selects these labels (matchLabels and matchExpressions). */
export function selects(selector: any, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e: any) => {
    switch (e.operator) {
      case 'In': return e.values.includes(labels[e.key]);
      case 'NotIn': return !e.values.includes(labels[e.key]);
      case 'Exists': return e.key in labels;
      case 'DoesNotExist': return !(e.key in labels);
      default: return false;
    }
  });
  return byLabels && byExpressions;
}

const sameNamespace = (a: ManifestObject, b: ManifestObject) => (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '');
const RESOURCE_NAMES = ['cpu', 'memory', 'ephemeral-storage'];

/** The project's hardening policy. A team adds a rule here (and its id in rule-ids.ts). */
export const POLICY_RULES: readonly PolicyRule[] = [
  {
    id: 'run-as-non-root',
    description: 'Containers run as a non-root user (runAsNonRoot: true, runAsUser not 0)',
    fix: 'set securityContext.runAsNonRoot: true and a non-zero runAsUser (Mehdb: hardened: true, runAsUser)',
    check: w => perContainer(w, (c, pod) => {
      const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      const user = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
      return nonRoot === true && user !== 0 ? [] : ['securityContext.runAsNonRoot'];
    }),
  },
  {
    id: 'read-only-root-filesystem',
    description: 'Containers have a read-only root file system',
    fix: 'set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the program writes (e.g. /tmp)',
    check: w => perContainer(w, c => (c.securityContext?.readOnlyRootFilesystem === true ? [] : ['securityContext.readOnlyRootFilesystem'])),
  },
  {
    id: 'no-privilege-escalation',
    description: 'Containers cannot gain privileges (allowPrivilegeEscalation: false, not privileged)',
    fix: 'set securityContext.allowPrivilegeEscalation: false',
    check: w => perContainer(w, c => (c.securityContext?.allowPrivilegeEscalation === false && c.securityContext?.privileged !== true
      ? [] : ['securityContext.allowPrivilegeEscalation'])),
  },
  {
    id: 'drop-all-capabilities',
    description: 'Containers drop all Linux capabilities',
    fix: 'set securityContext.capabilities.drop: ["ALL"] and add back only what the program needs',
    check: w => perContainer(w, c => ((c.securityContext?.capabilities?.drop ?? []).includes('ALL') ? [] : ['securityContext.capabilities.drop'])),
  },
  {
    id: 'seccomp-profile',
    description: 'Containers run under a seccomp profile (RuntimeDefault or Localhost)',
    fix: 'set securityContext.seccompProfile.type: RuntimeDefault on the pod or the container',
    check: w => perContainer(w, (c, pod) => {
      const type = c.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
      return type === 'RuntimeDefault' || type === 'Localhost' ? [] : ['securityContext.seccompProfile'];
    }),
  },
  {
    id: 'resources',
    description: 'Containers request and limit CPU, memory and ephemeral storage',
    fix: 'set resources.requests and resources.limits for cpu, memory and ephemeral-storage (the constructs\' `resources` prop)',
    check: w => perContainer(w, c => ['requests', 'limits'].flatMap(kind =>
      RESOURCE_NAMES.filter(r => c.resources?.[kind]?.[r] === undefined).map(r => `resources.${kind}.${r}`))),
  },
  {
    id: 'probes',
    description: 'Containers have a liveness and a readiness probe',
    fix: 'add livenessProbe and readinessProbe (they must differ: liveness restarts, readiness takes the pod out of Services)',
    check: w => perContainer(w, c => [
      ...(c.livenessProbe ? [] : ['livenessProbe']),
      ...(c.readinessProbe ? [] : ['readinessProbe']),
    ], true),
  },
  {
    id: 'image-digest',
    description: 'Images are pinned by digest (@sha256:...), so every node runs the same bytes',
    fix: 'write the image as <repository>[:tag]@sha256:<digest> (Mehdb reads it from image/mehdb-image.json)',
    check: w => perContainer(w, c => (/@sha256:[a-f0-9]{64}$/.test(c.image ?? '') ? [] : ['image'])),
  },
  {
    id: 'pod-disruption-budget',
    description: 'Every workload with more than one replica has a PodDisruptionBudget selecting its pods',
    fix: 'add a PodDisruptionBudget whose selector matches the pod labels (Mehdb: podDisruptionBudget: true)',
    check: (w, all) => (w.replicas <= 1 || all.some(o => o.kind === 'PodDisruptionBudget' && sameNamespace(o, w.object)
      && selects(o.spec?.selector, w.pod.metadata?.labels)) ? [] : ['spec.replicas']),
  },
  {
    id: 'network-policy',
    description: 'A NetworkPolicy selects every pod',
    fix: 'add a NetworkPolicy whose podSelector matches the pod labels (the constructs\' networkPolicy: true)',
    check: (w, all) => (all.some(o => o.kind === 'NetworkPolicy' && sameNamespace(o, w.object)
      && selects(o.spec?.podSelector, w.pod.metadata?.labels)) ? [] : [`${w.podPath.replace(/\.spec$/, '')}.metadata.labels`]),
  },
];

// Every rule id has exactly one rule.
if (POLICY_RULES.map(r => r.id).sort().join() !== [...POLICY_RULE_IDS].sort().join()) throw new Error('POLICY_RULES and POLICY_RULE_IDS differ');
