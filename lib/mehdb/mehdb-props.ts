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
  /** Compute resources of the datastore container. @default - requests 100m CPU / 64Mi, limit 256Mi */
  readonly resources?: ContainerResources;
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
