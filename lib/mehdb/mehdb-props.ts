import { ImagePullPolicy } from '../common/image-pull-policy';
import { ProbeTiming } from '../common/probes';
import { ContainerResources } from '../common/resources';
import { NodeAffinitySettings, PodToleration, TopologySpread } from '../common/scheduling';

/** How strongly mehdb pods are kept on different nodes. */
export enum AntiAffinityMode {
  /** Never two pods on one node (pods stay Pending without enough nodes). */
  REQUIRED = 'required',
  /** Try to keep them apart. */
  PREFERRED = 'preferred',
  /** No anti-affinity. */
  NONE = 'none',
}

/** How the StatefulSet replaces pods when the template changes. */
export enum UpdateStrategyType {
  /** Highest ordinal first, one at a time. */
  ROLLING_UPDATE = 'RollingUpdate',
  /** Only pods you delete. */
  ON_DELETE = 'OnDelete',
}

/** Whether a claim outlives its pod. */
export enum ClaimRetention {
  RETAIN = 'Retain',
  DELETE = 'Delete',
}

/** Access mode of a volume claim. */
export enum AccessMode {
  READ_WRITE_ONCE = 'ReadWriteOnce',
  READ_WRITE_MANY = 'ReadWriteMany',
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
}

/** The datastore path the readiness probe gets. */
export enum ReadinessPath {
  /** Ready while the datastore answers. */
  STATUS = '/status?level=full',
  /** Ready once a follower has caught up with the leader (this repository's datastore only). */
  READYZ = '/readyz',
}

/** How the StatefulSet starts and stops its pods. */
export enum PodManagementPolicy {
  /** One pod after the other. */
  ORDERED_READY = 'OrderedReady',
  /** All at once. */
  PARALLEL = 'Parallel',
}

/** How the StatefulSet replaces pods when the template changes. */
export interface MehdbUpdateStrategy {
  /** `RollingUpdate` (highest ordinal first, one at a time) or `OnDelete` (only pods you delete). */
  readonly type: UpdateStrategyType;
  /** RollingUpdate only: only pods with an ordinal >= partition are updated (a canary); 0 to replicas. @default - 0 */
  readonly partition?: number;
}

/** What happens to the claims `data-<name>-<n>` (Kubernetes 1.27+: feature StatefulSetAutoDeletePVC). */
export interface ClaimRetentionPolicy {
  /** When the StatefulSet is deleted. @default - Retain (Kubernetes' default) */
  readonly whenDeleted?: ClaimRetention;
  /** When a scale-down removes the pod. @default - Retain (Kubernetes' default) */
  readonly whenScaled?: ClaimRetention;
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
   * without it, pod 0 leads and the others follow. 1 to 1000. @default 3
   */
  readonly replicas?: number;
  /** Datastore image, pinned by tag or digest. @default - the datastore image this package was built with (reference and digest recorded by `npm run image`) */
  readonly image?: string;
  /** Name of the datastore container. @default 'mehdb' */
  readonly containerName?: string;
  /** Port the datastore listens on, 1 to 65535. @default 9876 */
  readonly port?: number;
  /** Size of each pod's volume claim `data`. @default '1Gi' */
  readonly storageSize?: string;
  /** StorageClass of the claims: the class the storage layer serves (`NfsProvisioner.storageClassName`). @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** Access mode of each claim. @default AccessMode.READ_WRITE_MANY */
  readonly accessMode?: AccessMode;
  /** Where the volume is mounted; the container's MEHDB_DATADIR points here. @default '/mehdbdata' */
  readonly dataPath?: string;
  /** Keep pods on different nodes: `required` (never share), `preferred` (try), `none`. @default AntiAffinityMode.REQUIRED */
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
   * nodes have the image loaded and no registry serves it. @default ImagePullPolicy.ALWAYS
   */
  readonly imagePullPolicy?: ImagePullPolicy;
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
   * caught up with the leader (this repo's datastore only). @default ReadinessPath.STATUS
   */
  readonly readinessPath?: ReadinessPath;
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
  readonly podManagementPolicy?: PodManagementPolicy;
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
   * always leads, no token, no Role. Fields left out take their defaults (failover on). @default {}
   */
  readonly failover?: MehdbFailover;
}

/** Props of {@link Mehdb}. */
export interface MehdbProps extends MehdbSettings {
  /** Namespace the datastore runs in (part of every pod's DNS name). */
  readonly namespace: string;
  /**
   * Ports of the Kubernetes API server the pods may reach with failover on (NetworkPolicy egress);
   * pass the storage layer's `apiServerPorts`. @default [443, 6443]
   */
  readonly apiServerPorts?: number[];
}
