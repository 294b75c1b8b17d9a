import { Construct } from 'constructs';
import { ProbeTiming } from '../common/probes';
import { ContainerResources } from '../common/resources';
import { ImagePullPolicy } from '../common/image-pull-policy';

/**
 * Which NFS server ports the provisioner image serves. At start the provisioner reads its own
 * Service (SERVICE_NAME, POD_NAMESPACE) and refuses one whose ports differ from these.
 */
export enum NfsPortSet {
  /** Images v2.x (the course's `quay.io/kubernetes_incubator/nfs-provisioner:v2.2.2`): nfs, mountd, rpcbind. */
  V2 = 'v2',
  /** Images v3/v4 (`registry.k8s.io/sig-storage/nfs-provisioner:v4.x`): also nlockmgr, rquotad and statd, and a UDP twin of every port. */
  V4 = 'v4',
}

/** What happens to a volume's data when its claim is deleted. */
export enum ReclaimPolicy {
  DELETE = 'Delete',
  RETAIN = 'Retain',
}

/** A container's seccomp profile. */
export enum SeccompProfile {
  RUNTIME_DEFAULT = 'RuntimeDefault',
  UNCONFINED = 'Unconfined',
}

/** When a claim of the StorageClass gets its volume. */
export enum VolumeBindingMode {
  /** At once. */
  IMMEDIATE = 'Immediate',
  /** When a pod that uses the claim is scheduled. */
  WAIT_FOR_FIRST_CONSUMER = 'WaitForFirstConsumer',
}

/** Parameters the NFS provisioner accepts on its StorageClass; any other key fails provisioning. */
export interface NfsStorageClassParameters {
  /** Group ID given to each new volume's directory. @default - none */
  readonly gid?: string;
  /** "true" squashes root on the export. @default - none */
  readonly rootSquash?: string;
  /** Mount options as one comma-separated string, e.g. "vers=4.1". @default - none */
  readonly mountOptions?: string;
}

/** A toleration of a node taint with effect NoSchedule. */
export interface NoScheduleToleration {
  /** The taint's key, e.g. `node-role.kubernetes.io/control-plane`. */
  readonly key: string;
}

/** Settings of the NFS storage layer that a user configures. */
export interface NfsProvisionerSettings {
  /** Base name of the provisioner's objects (ServiceAccount, Service, Deployment, RBAC). @default 'nfs-provisioner' */
  readonly name?: string;
  /** The provisioner image, pinned by tag or digest. @default 'registry.k8s.io/sig-storage/nfs-provisioner:v4.0.8' */
  readonly image?: string;
  /** Which NFS ports the image serves (its Service must list exactly these). @default NfsPortSet.V4 */
  readonly portSet?: NfsPortSet;
  /** Provisioner name: the `-provisioner=` argument and the StorageClass `provisioner`. @default 'example.com/nfs' */
  readonly provisionerName?: string;
  /** Name of the StorageClass the provisioner serves. @default 'nfs-dynamic' */
  readonly storageClassName?: string;
  /** Node directory exported by NFS; each volume becomes a folder in it. @default '/srv/nfs-dynamic' */
  readonly exportHostPath?: string;
  /** Create the export directory on the node if missing (hostPath type DirectoryOrCreate). @default true */
  readonly createExportHostPath?: boolean;
  /** Node labels the provisioner pod must run on (it serves one node's disk). @default {} */
  readonly nodeSelector?: Record<string, string>;
  /** NoSchedule taints the provisioner pod tolerates, e.g. control-plane taints. @default [] */
  readonly tolerations?: NoScheduleToleration[];
  /** StorageClass `mountOptions` field (used by the kubelet when mounting). @default ['vers=4.1'] */
  readonly mountOptions?: string[];
  /** StorageClass `parameters` the provisioner understands. @default {} */
  readonly parameters?: NfsStorageClassParameters;
  /** What happens to a volume's data when its claim is deleted. @default ReclaimPolicy.DELETE */
  readonly reclaimPolicy?: ReclaimPolicy;
  /**
   * Compute resources of the provisioner container (the limits leave the NFS server room to burst).
   * @default - requests 100m CPU / 64Mi memory / 64Mi ephemeral storage; limits 1 CPU / 512Mi memory / 512Mi ephemeral storage
   */
  readonly resources?: ContainerResources;
  /**
   * Harden what the NFS server allows: TCP readiness (nfs) and liveness (mountd) probes, no
   * privilege escalation, RollingUpdate with no surge (the old pod leaves before the new one
   * comes). The server still runs as root from a writable root file system: see the declared
   * policy exceptions. `false` gives the course's pod (Recreate, no probes). @default true
   */
  readonly hardened?: boolean;
  /** When the kubelet pulls the image (`IfNotPresent` where nodes have it loaded and no registry serves it). @default ImagePullPolicy.ALWAYS */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Create a NetworkPolicy: the NFS ports open only to {@link nfsClientCidrs}; egress only to DNS
   * and the API server port. @default true
   */
  readonly networkPolicy?: boolean;
  /**
   * Addresses allowed to reach the NFS ports. Volumes are mounted by the kubelet, so mounts come
   * from the nodes' addresses (or the network plugin's tunnel address on each node), not from pods:
   * list your nodes' CIDRs here. The default admits private networks and no public address.
   * @default ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']
   */
  readonly nfsClientCidrs?: string[];
  /** Ports of the Kubernetes API server the provisioner may reach (egress). @default [443, 6443] */
  readonly apiServerPorts?: number[];
  /** Also create the PVC `nfs` (1Mi, ReadWriteMany) that proves provisioning works. @default false */
  readonly testClaim?: boolean;
  /**
   * Grant `use` of a PodSecurityPolicy of this name (only clusters older than 1.25 have PSPs).
   * @default - no PodSecurityPolicy rule
   */
  readonly podSecurityPolicyName?: string;
  /**
   * More provisioner flags, each `-flag=value`, e.g. `-device-based-fsids=false`, the documented cure
   * for stale NFS file handles after the provisioner restarts (nfs-ganesha-server-and-external-provisioner
   * issue #142). Not `-provisioner=` (set by {@link provisionerName}). @default []
   */
  readonly extraArgs?: string[];
  /** Readiness probe (TCP, NFS port) timing; only the hardened pod has probes. @default { initialDelaySeconds: 5, periodSeconds: 10 } */
  readonly readinessProbe?: ProbeTiming;
  /** Liveness probe (TCP, mountd port) timing; only the hardened pod has probes. @default { initialDelaySeconds: 30, periodSeconds: 20, failureThreshold: 3 } */
  readonly livenessProbe?: ProbeTiming;
  /**
   * Capabilities the container keeps, written without the `CAP_` prefix. The hardened pod drops all
   * others; the course's pod (`hardened: false`) adds these to the runtime's defaults. The default is what
   * NFS Ganesha, rpcbind, rpc.statd and dbus were measured to need: DAC_READ_SEARCH (file handles:
   * every write fails without it), FOWNER (writes by non-root clients), SETUID, SETGID and
   * SETPCAP (rpc.statd drops its privileges), NET_BIND_SERVICE (rpc.statd's reserved port). Add
   * CHOWN for clients that chown files over NFS, DAC_OVERRIDE for root clients writing into
   * folders they do not own, SYS_RESOURCE to let the provisioner raise its open-files limit above
   * the runtime's hard limit (without it the server keeps that limit).
   * @default ['DAC_READ_SEARCH', 'FOWNER', 'SETGID', 'SETUID', 'SETPCAP', 'NET_BIND_SERVICE']
   */
  readonly capabilities?: string[];
  /**
   * Seccomp profile of the hardened pod (set on the pod). NFS Ganesha serves under the runtime's
   * default filter (measured on containerd 2). The course's pod has none. @default SeccompProfile.RUNTIME_DEFAULT
   */
  readonly seccompProfile?: SeccompProfile;
  /**
   * StorageClass `allowVolumeExpansion`. The NFS provisioner has no resizer and does not enforce
   * sizes, so a larger claim is only accepted, never resized on disk. @default false
   */
  readonly allowVolumeExpansion?: boolean;
  /**
   * StorageClass `volumeBindingMode`: `Immediate`, or `WaitForFirstConsumer` (bind when a pod is
   * scheduled; the volume lives on the provisioner's node anyway). @default VolumeBindingMode.IMMEDIATE
   */
  readonly volumeBindingMode?: VolumeBindingMode;
  /** Mark the StorageClass as the cluster's default (`storageclass.kubernetes.io/is-default-class`). @default false */
  readonly defaultClass?: boolean;
}

/** Props of {@link NfsProvisioner}. */
export interface NfsProvisionerProps extends NfsProvisionerSettings {
  /** Namespace the provisioner runs in; the RBAC subjects name it. */
  readonly namespace: string;
  /**
   * Scope for the cluster-scoped objects (ClusterRole, ClusterRoleBinding, StorageClass): a chart
   * without a namespace, so that none is stamped on them.
   */
  readonly clusterScope: Construct;
}
