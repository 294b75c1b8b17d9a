import { ContainerResources } from '../common/resources';

/** How strongly mehdb pods are kept on different nodes. */
export type AntiAffinityMode = 'required' | 'preferred' | 'none';

/** When a probe starts and how often it runs. */
export interface ProbeTiming {
  /** Seconds after the container starts before the first probe. */
  readonly initialDelaySeconds: number;
  /** Seconds between probes. */
  readonly periodSeconds: number;
}

/** Settings of the mehdb datastore that a user configures. */
export interface MehdbSettings {
  /** Name of the StatefulSet, its headless Service and its pods' prefix (`<name>-0`, ...). @default 'mehdb' */
  readonly name?: string;
  /** Number of pods; pod 0 leads, the others follow. @default 2 */
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
  /** Create a PodDisruptionBudget allowing one pod down at a time. @default true */
  readonly podDisruptionBudget?: boolean;
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
}

/** Props of {@link Mehdb}. */
export interface MehdbProps extends MehdbSettings {
  /** Namespace the datastore runs in (part of every pod's DNS name). */
  readonly namespace: string;
  /** StorageClass the storage layer serves; the claims use it. */
  readonly storageClassName: string;
}

/**
 * Every default of {@link MehdbSettings}, stated once. The JSDoc `@default` of each field mirrors
 * it (test/defaults.test.ts checks that they agree); presets set only what departs from it. The
 * image's default is computed: the record of the last `npm run image` (`recordedDatastoreImage()` in datastore-image.ts).
 */
export const MEHDB_DEFAULTS = {
  name: 'mehdb',
  replicas: 2,
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
} as const satisfies Required<Omit<MehdbSettings, 'image' | 'storageClassName'>>;

/** Props of {@link Mehdb} after defaults and checks: every field set, every value valid. */
export type SettledMehdbProps = Readonly<Required<MehdbProps>>;
