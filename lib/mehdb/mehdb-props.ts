import { ProbeTiming } from '../common/probes';
import { ContainerResources } from '../common/resources';
import { NodeAffinitySettings, PodToleration, TopologySpread } from '../common/scheduling';

/** How strongly mehdb pods are kept on different nodes. */
export type AntiAffinityMode = 'required' | 'preferred' | 'none';

export type { ProbeTiming };

/** How the StatefulSet replaces pods when the template changes. */
export interface MehdbUpdateStrategy {
  /** `RollingUpdate` (highest ordinal first, one at a time) or `OnDelete` (only pods you delete). */
  readonly type: 'RollingUpdate' | 'OnDelete';
  /** RollingUpdate only: only pods with an ordinal >= partition are updated (a canary). @default - 0 */
  readonly partition?: number;
}

/** What happens to the claims `data-<name>-<n>` (Kubernetes 1.27+: feature StatefulSetAutoDeletePVC). */
export interface ClaimRetentionPolicy {
  /** When the StatefulSet is deleted. @default - 'Retain' */
  readonly whenDeleted?: 'Retain' | 'Delete';
  /** When a scale-down removes the pod. @default - 'Retain' */
  readonly whenScaled?: 'Retain' | 'Delete';
}

/** A PodDisruptionBudget by count or percentage: exactly one of the two. */
export interface DisruptionBudget {
  /** Pods that must stay up during a drain, e.g. 1 or "50%". @default - none */
  readonly minAvailable?: number | string;
  /** Pods a drain may take down at once, e.g. 1 or "50%". @default - none */
  readonly maxUnavailable?: number | string;
}

/** The Prometheus Operator ServiceMonitor for the datastore's `/metrics` (needs the operator's CRD). */
export interface MehdbServiceMonitor {
  /** Labels of the ServiceMonitor, for Prometheus' `serviceMonitorSelector`. @default {} */
  readonly labels?: Record<string, string>;
  /** Scrape interval. @default '30s' */
  readonly interval?: string;
  /** Scrape timeout, at most the interval. @default '10s' */
  readonly scrapeTimeout?: string;
}

/**
 * Leader failover through a coordination.k8s.io Lease (the datastore's MEHDB_FAILOVER=lease): the
 * pods elect a leader, and a write is acknowledged only once {@link syncAcks} followers hold it.
 * Off, pod 0 always leads and followers pull its changes (the course's behaviour). Durations are
 * seconds, fractions allowed (whole milliseconds); they must satisfy
 * leaseDurationSeconds > renewDeadlineSeconds > 1.2 x retryPeriodSeconds (client-go's rule).
 */
export interface MehdbFailover {
  /** Elect the leader through a Lease; needs at least 3 replicas, or 2 with {@link solo}. @default true */
  readonly enabled?: boolean;
  /** How long a candidate waits after the Lease last changed before it takes over. @default 5 */
  readonly leaseDurationSeconds?: number;
  /** How long the leader keeps leading while it cannot renew the Lease. @default 3 */
  readonly renewDeadlineSeconds?: number;
  /** Seconds between attempts to take or renew the Lease. @default 1 */
  readonly retryPeriodSeconds?: number;
  /** Followers that must hold a write durably before the leader answers 200: 1 to replicas - 1. @default 1 */
  readonly syncAcks?: number;
  /** How long a write waits for those acknowledgements before it answers 503 (outcome unknown). @default 2 */
  readonly syncTimeoutSeconds?: number;
  /**
   * When no follower acknowledges in time, let the leader record `solo` in the Lease and write
   * alone; no follower may be promoted while it is recorded. The only way 2 replicas keep taking
   * writes after losing the follower. @default false
   */
  readonly solo?: boolean;
  /** Name of the Lease (a DNS subdomain); the Role allows get and update on it alone. @default - `<name>-leader` */
  readonly leaseName?: string;
}

/** Settings of the mehdb datastore that a user configures. */
export interface MehdbSettings {
  /** Name of the StatefulSet, its headless Service and its pods' prefix (`<name>-0`, ...). @default 'mehdb' */
  readonly name?: string;
  /**
   * Number of pods. With {@link failover}, 3 tolerate any single failure; 2 need `failover.solo`;
   * without it, pod 0 leads and the others follow. @default 3
   */
  readonly replicas?: number;
  /** Datastore image, pinned by tag or digest. @default - the image recorded by `npm run image` (image/mehdb-image.json) */
  readonly image?: string;
  /** Name of the datastore container. @default 'mehdb' */
  readonly containerName?: string;
  /** Port the datastore listens on. @default 9876 */
  readonly port?: number;
  /** Size of each pod's volume claim `data`. @default '1Gi' */
  readonly storageSize?: string;
  /** StorageClass of the claims; must be the class the storage layer serves. @default - the storage layer's class */
  readonly storageClassName?: string;
  /** Access mode of each claim. @default 'ReadWriteMany' */
  readonly accessMode?: 'ReadWriteOnce' | 'ReadWriteMany' | 'ReadWriteOncePod';
  /** Where the volume is mounted; the container's MEHDB_DATADIR points here. @default '/mehdbdata' */
  readonly dataPath?: string;
  /** Keep pods on different nodes: `required` (never share), `preferred` (try), `none`. @default 'required' */
  readonly antiAffinity?: AntiAffinityMode;
  /** Harden the pod: non-root UID, read-only root FS, no privilege escalation, no capabilities, RuntimeDefault seccomp. @default true */
  readonly hardened?: boolean;
  /** Numeric UID and GID the hardened pod runs as (the image's user). @default 65532 */
  readonly runAsUser?: number;
  /**
   * The PodDisruptionBudget: `true` allows one pod down at a time, `false` makes none, or give
   * `minAvailable` or `maxUnavailable` (a count or a percentage, not both). @default true
   */
  readonly podDisruptionBudget?: boolean | DisruptionBudget;
  /**
   * Compute resources of the datastore container. The CPU limit is 10x the request: Node.js runs
   * JavaScript on one thread, so CFS throttling starts only past one full core (a saturated main
   * thread plus GC and fsync threads); raise it for latency-critical loads.
   * @default - requests 100m CPU / 64Mi memory / 64Mi ephemeral storage; limits 1 CPU / 256Mi memory / 128Mi ephemeral storage
   */
  readonly resources?: ContainerResources;
  /**
   * When the kubelet pulls the image. With an image pinned by digest, `Always` never changes what
   * runs: it checks the registry and the pull secrets at each pod start. Use `IfNotPresent` where the
   * nodes have the image loaded and no registry serves it. @default 'Always'
   */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent';
  /**
   * Create a NetworkPolicy for the pods: the datastore port is open only to the peers and to client
   * pods matching {@link clientSelector} in the same namespace; egress only to DNS and the peers.
   * @default true
   */
  readonly networkPolicy?: boolean;
  /** Labels of the pods (same namespace) allowed to reach the datastore port. @default { 'mehdb-client': 'true' } */
  readonly clientSelector?: Record<string, string>;
  /** Liveness probe (`GET /status`) timing. @default { initialDelaySeconds: 5, periodSeconds: 10 } */
  readonly livenessProbe?: ProbeTiming;
  /** Readiness probe timing. @default { initialDelaySeconds: 2, periodSeconds: 5 } */
  readonly readinessProbe?: ProbeTiming;
  /**
   * Path the readiness probe gets. `/readyz` keeps a follower out of the Service until it has
   * caught up with the leader (this repo's datastore only). @default '/status?level=full'
   */
  readonly readinessPath?: '/status?level=full' | '/readyz';
  /** The cluster's DNS domain, for pod addresses. @default 'cluster.local' */
  readonly clusterDomain?: string;
  /** Startup probe (`GET /status`): liveness and readiness wait until it passes once. @default - none */
  readonly startupProbe?: ProbeTiming;
  /** Whether the claims go with the StatefulSet or a scale-down. @default - Kubernetes' Retain for both */
  readonly persistentVolumeClaimRetentionPolicy?: ClaimRetentionPolicy;
  /** Spread the pods over zones and/or hosts, instead of or beside {@link antiAffinity}. @default [] */
  readonly topologySpreadConstraints?: TopologySpread[];
  /** RollingUpdate (with a partition) or OnDelete. @default - Kubernetes' RollingUpdate, partition 0 */
  readonly updateStrategy?: MehdbUpdateStrategy;
  /** `OrderedReady` (one pod after the other) or `Parallel`. @default - Kubernetes' OrderedReady */
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** PriorityClass of the pods (must exist in the cluster). @default - none */
  readonly priorityClassName?: string;
  /** Secrets (in the namespace) the kubelet uses to pull the image. @default [] */
  readonly imagePullSecrets?: string[];
  /** Extra labels on the pods (not the selector's: app, app.kubernetes.io/name, app.kubernetes.io/component). @default {} */
  readonly podLabels?: Record<string, string>;
  /** Extra annotations on the pods. @default {} */
  readonly podAnnotations?: Record<string, string>;
  /** Extra labels on the headless Service. @default {} */
  readonly serviceLabels?: Record<string, string>;
  /** Extra annotations on the headless Service. @default {} */
  readonly serviceAnnotations?: Record<string, string>;
  /**
   * Extra labels on the claims. Kubernetes refuses changes to a StatefulSet's claim template: set
   * them before the first deploy. Never `app.kubernetes.io/part-of` (a label prune would delete the data). @default {}
   */
  readonly claimLabels?: Record<string, string>;
  /** Extra annotations on the claims (same caveat as {@link claimLabels}). @default {} */
  readonly claimAnnotations?: Record<string, string>;
  /** Node labels the pods must run on. @default {} */
  readonly nodeSelector?: Record<string, string>;
  /** Taints the pods tolerate. @default [] */
  readonly tolerations?: PodToleration[];
  /** Node affinity beside the pod anti-affinity. @default {} */
  readonly nodeAffinity?: NodeAffinitySettings;
  /**
   * Extra environment of the datastore, e.g. its tuning (`MEHDB_CACHE_BYTES`, `MEHDB_LOG_LEVEL`,
   * see datastore/README.md); not the variables the construct sets. @default {}
   */
  readonly extraEnv?: Record<string, string>;
  /** Seconds between SIGTERM and SIGKILL; above the datastore's MEHDB_SHUTDOWN_TIMEOUT_MS. @default - Kubernetes' 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** `prometheus.io/scrape`, `port` and `path` annotations on the pods, for an annotation-based Prometheus. @default false */
  readonly scrapeAnnotations?: boolean;
  /** A Prometheus Operator ServiceMonitor for `/metrics`: `true` or its settings. @default false */
  readonly serviceMonitor?: boolean | MehdbServiceMonitor;
  /**
   * Leader failover through a Lease: the pods get a ServiceAccount with their token, a Role on the
   * Lease and, with {@link networkPolicy}, egress to the API server. `{ enabled: false }`: pod 0
   * always leads, no token, no Role. Fields left out take {@link FAILOVER_DEFAULTS} (on). @default {}
   */
  readonly failover?: MehdbFailover;
}

/** Props of {@link Mehdb}. */
export interface MehdbProps extends MehdbSettings {
  /** Namespace the datastore runs in (part of every pod's DNS name). */
  readonly namespace: string;
  /** StorageClass the storage layer serves; the claims use it. */
  readonly storageClassName: string;
  /**
   * Ports of the Kubernetes API server the pods may reach with failover on (NetworkPolicy egress);
   * the chart passes the storage layer's `apiServerPorts`. @default - API_SERVER_PORTS (lib/common/network.ts), 443 and 6443
   */
  readonly apiServerPorts?: readonly number[];
}

/**
 * Every default of {@link MehdbSettings}, stated once. The JSDoc `@default` of each field mirrors
 * it (test/defaults.test.ts checks that they agree); presets set only what departs from it. The
 * image's default is computed: the record of the last `npm run image` (`recordedDatastoreImage()` in datastore-image.ts).
 */
export const MEHDB_DEFAULTS = {
  name: 'mehdb',
  replicas: 3,
  containerName: 'mehdb',
  port: 9876,
  storageSize: '1Gi',
  accessMode: 'ReadWriteMany',
  dataPath: '/mehdbdata',
  antiAffinity: 'required',
  hardened: true,
  runAsUser: 65532,
  podDisruptionBudget: true,
  resources: {
    requests: { cpu: '100m', memory: '64Mi', ephemeralStorage: '64Mi' },
    limits: { cpu: '1', memory: '256Mi', ephemeralStorage: '128Mi' },
  },
  imagePullPolicy: 'Always',
  networkPolicy: true,
  clientSelector: { 'mehdb-client': 'true' },
  livenessProbe: { initialDelaySeconds: 5, periodSeconds: 10 },
  readinessProbe: { initialDelaySeconds: 2, periodSeconds: 5 },
  readinessPath: '/status?level=full',
  clusterDomain: 'cluster.local',
  topologySpreadConstraints: [],
  imagePullSecrets: [],
  podLabels: {},
  podAnnotations: {},
  serviceLabels: {},
  serviceAnnotations: {},
  claimLabels: {},
  claimAnnotations: {},
  nodeSelector: {},
  tolerations: [],
  nodeAffinity: {},
  extraEnv: {},
  scrapeAnnotations: false,
  serviceMonitor: false,
  failover: {},
} as const satisfies Required<Omit<MehdbSettings, 'image' | 'storageClassName' | UnsetByDefault>>;

/** Defaults of an enabled ServiceMonitor's fields. */
export const SERVICE_MONITOR_DEFAULTS = { labels: {}, interval: '30s', scrapeTimeout: '10s' } as const satisfies Required<MehdbServiceMonitor>;

/** Defaults of the failover fields; `leaseName`'s is computed from the name (`<name>-leader`). */
export const FAILOVER_DEFAULTS = {
  enabled: true,
  leaseDurationSeconds: 5,
  renewDeadlineSeconds: 3,
  retryPeriodSeconds: 1,
  syncAcks: 1,
  syncTimeoutSeconds: 2,
  solo: false,
} as const satisfies Required<Omit<MehdbFailover, 'leaseName'>>;

/** Failover settled: every field set and valid (present only when failover is on). */
export type SettledFailover = Readonly<Required<Omit<MehdbFailover, 'enabled'>>>;

/** Settings with no default value: unset, the field stays out of the manifest (Kubernetes' default applies). */
type UnsetByDefault = 'startupProbe' | 'persistentVolumeClaimRetentionPolicy' | 'updateStrategy' | 'podManagementPolicy'
  | 'priorityClassName' | 'terminationGracePeriodSeconds';

/** Props of {@link Mehdb} after defaults and checks: every field set (but those unset by default), every value valid. */
export type SettledMehdbProps = Readonly<Required<Omit<MehdbProps, UnsetByDefault | 'podDisruptionBudget' | 'serviceMonitor' | 'topologySpreadConstraints' | 'failover'>>>
  & Readonly<Pick<MehdbProps, UnsetByDefault>> & {
    /** The budget, or undefined for none. */
    readonly podDisruptionBudget?: DisruptionBudget;
    /** The ServiceMonitor's settings, or undefined for none. */
    readonly serviceMonitor?: Required<MehdbServiceMonitor>;
    readonly topologySpreadConstraints: ReadonlyArray<Required<TopologySpread>>;
    /** The failover settings, or undefined when failover is off. */
    readonly failover?: SettledFailover;
  };
