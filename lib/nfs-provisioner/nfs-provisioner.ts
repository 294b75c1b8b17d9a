import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { k8s } from '../../imports';
import { appLabels, selectorLabels } from '../common/labels';
import { apiServerEgress, DNS_EGRESS, ownNetworkPolicyException, policyPort } from '../common/network';
import { probeTimingFields } from '../common/probes';
import { toResourceRequirements } from '../common/resources';
import { settle } from '../common/schema';
import { declarePolicyExceptions, PolicyExceptions } from '../policy/exceptions';
import { NfsPort, nfsPorts } from './nfs-ports';
import { NfsProvisionerProps, SeccompProfile, VolumeBindingMode } from './nfs-provisioner-props';
import { grantProvisionerAccess } from './nfs-provisioner-rbac';
import { NFS_PROVISIONER_PROPS, SettledNfsProvisionerProps } from './nfs-provisioner-schema';

/** Where the provisioner's NFS server exports from inside its container (fixed by the image). */
const EXPORT_MOUNT_PATH = '/export';
const EXPORT_VOLUME = 'export-volume';

/**
 * kube-score checks that are wrong for this server, ignored on the hardened Deployment (the
 * policy section of docs/policy.md gives the same reasons):
 * - `container-security-context-user-group-id`: NFS Ganesha runs as root (UID/GID 0), to serve
 *   files owned by any user and to run rpcbind on port 111.
 * - `container-security-context-readonlyrootfilesystem`: rpc.statd, Ganesha, rpcbind and dbus
 *   write their state, sockets and pid files under /var/lib/nfs and /run of the image.
 * - `deployment-replicas`: one server per export directory; two would serve one directory twice.
 */
const KUBE_SCORE_IGNORES = [
  'container-security-context-user-group-id',
  'container-security-context-readonlyrootfilesystem',
  'deployment-replicas',
];

/**
 * Where the hardened provisioner departs from the project's hardening policy, and why: each was
 * measured with the provisioner's pod on a real node (containerd 2, runc; cluster/README.md).
 */
const POLICY_EXCEPTIONS: PolicyExceptions = {
  'run-as-non-root': 'NFS Ganesha runs as root: it serves files owned by any user and binds port 111',
  'read-only-root-filesystem': 'rpc.statd keeps its state in the image\'s /var/lib/nfs (sm, sm.bak: its own folders; with an emptyDir there it exits), Ganesha its recovery there, the daemons their sockets and pid files in /run',
  'image-digest': 'the upstream release is pinned by tag (v4.0.8); pin storage.image to a digest from your registry',
};

/** The exception a container needs when it runs without a seccomp filter. */
const SECCOMP_EXCEPTION: PolicyExceptions = {
  'seccomp-profile': 'storage.seccompProfile is Unconfined: the provisioner runs without a seccomp filter',
};

/**
 * An NFS dynamic provisioner and the StorageClass it serves: every claim of that class becomes a
 * folder under one node's export directory, served over NFS to any node (ReadWriteMany).
 *
 * Namespaced objects (ServiceAccount, Role + binding, Service, Deployment, optional test claim) go
 * in this construct's scope; cluster-scoped objects (ClusterRole + binding, StorageClass) go in
 * `clusterScope`.
 */
export class NfsProvisioner extends Construct {
  /** Name of the StorageClass claims use to get a volume from this provisioner. */
  public readonly storageClassName: string;
  /** The provisioner name shared by the `-provisioner=` argument and the StorageClass. */
  public readonly provisionerName: string;
  /** Namespace the provisioner runs in. */
  public readonly namespace: string;
  /** The StorageClass (in `clusterScope`). */
  public readonly storageClass: k8s.KubeStorageClass;
  /** The provisioner's Deployment (one pod). */
  public readonly deployment: k8s.KubeDeployment;
  /** The Service whose ports the provisioner checks at start. */
  public readonly service: k8s.KubeService;
  /** Ports of the API server its pods may reach; the mehdb pods' egress for failover reuses them. */
  public readonly apiServerPorts: number[];
  /** The props with defaults applied and checked. */
  private readonly settled: SettledNfsProvisionerProps;
  private readonly ports: readonly NfsPort[];
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: NfsProvisionerProps) {
    super(scope, id);
    this.settled = settle(NFS_PROVISIONER_PROPS, props, 'storage');
    const { name, namespace, clusterScope, podSecurityPolicyName } = this.settled;
    this.namespace = namespace;
    this.provisionerName = this.settled.provisionerName;
    this.storageClassName = this.settled.storageClassName;
    this.apiServerPorts = this.settled.apiServerPorts;
    this.ports = nfsPorts(this.settled.portSet);
    this.labels = appLabels(name, 'storage');

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name, labels: this.labels },
      // The provisioner talks to the API server: it needs its token.
      automountToken: true,
    });
    grantProvisionerAccess(this, clusterScope, {
      name, namespace, serviceAccountName: serviceAccount.name, podSecurityPolicyName,
      readsSelectedNode: this.settled.volumeBindingMode === VolumeBindingMode.WAIT_FOR_FIRST_CONSUMER,
    });
    this.service = new k8s.KubeService(this, 'Service', this._toServiceProps());
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', this._toDeploymentProps(serviceAccount.name));
    if (this.settled.hardened) declarePolicyExceptions(this.deployment, this._policyExceptions());
    if (this.settled.networkPolicy) {
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', this._toNetworkPolicyProps());
    }
    this.storageClass = new k8s.KubeStorageClass(clusterScope, `${id}StorageClass`, this._toStorageClassProps());
    if (this.settled.testClaim) {
      // The L1 class: cdk8s-plus-27's PersistentVolumeClaim rounds storage to whole Gi and fails on 1Mi.
      new k8s.KubePersistentVolumeClaim(this, 'TestClaim', this._toTestClaimProps());
    }
  }

  /**
   * The declared exceptions: always the image's, then the seccomp one when the profile is
   * Unconfined and the network-policy one when the NetworkPolicy is switched off.
   */
  private _policyExceptions(): PolicyExceptions {
    const { seccompProfile, networkPolicy } = this.settled;
    return {
      ...POLICY_EXCEPTIONS,
      ...(seccompProfile === SeccompProfile.RUNTIME_DEFAULT ? {} : SECCOMP_EXCEPTION),
      ...(networkPolicy ? {} : ownNetworkPolicyException('storage.networkPolicy')),
    };
  }

  /** The Service the provisioner reads at start: it must list exactly the ports the image serves. */
  private _toServiceProps(): k8s.KubeServiceProps {
    return {
      metadata: { name: this.settled.name, labels: this.labels },
      spec: {
        selector: selectorLabels(this.settled.name),
        ports: this.ports.map(p => ({ name: p.name, port: p.port, protocol: p.protocol })),
      },
    };
  }

  /** One provisioner pod on the node whose directory it exports. */
  private _toDeploymentProps(serviceAccountName: string): k8s.KubeDeploymentProps {
    const { name, hardened } = this.settled;
    return {
      metadata: { name, labels: this.labels, annotations: hardened ? { 'kube-score/ignore': KUBE_SCORE_IGNORES.join(',') } : undefined },
      spec: {
        replicas: 1,
        // Two servers must never serve the same directory: the old pod goes before the new one
        // comes (no surge), and only a ready pod is behind the Service. The course uses Recreate.
        strategy: hardened
          ? { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(0), maxUnavailable: k8s.IntOrString.fromNumber(1) } }
          : { type: 'Recreate' },
        selector: { matchLabels: selectorLabels(this.settled.name) },
        template: { metadata: { labels: this.labels }, spec: this._toPodSpec(serviceAccountName) },
      },
    };
  }

  /**
   * The pod: its token, its node, its seccomp profile (hardened), the provisioner container and
   * the node directory it exports.
   */
  private _toPodSpec(serviceAccountName: string): k8s.PodSpec {
    const { nodeSelector, tolerations, exportHostPath, createExportHostPath, hardened, seccompProfile } = this.settled;
    return {
      serviceAccountName,
      automountServiceAccountToken: true,
      securityContext: hardened ? { seccompProfile: { type: seccompProfile } } : undefined,
      nodeSelector: nonEmpty(nodeSelector),
      tolerations: nonEmpty(tolerations.map(t => ({ key: t.key, operator: 'Exists', effect: 'NoSchedule' }))),
      containers: [this._toContainer()],
      volumes: [{
        name: EXPORT_VOLUME,
        hostPath: { path: exportHostPath, type: createExportHostPath ? 'DirectoryOrCreate' : undefined },
      }],
    };
  }

  /**
   * The provisioner and its NFS server. The args and env are what the provisioner reads (its name,
   * its pod IP, its Service and namespace); keep them as they are.
   */
  private _toContainer(): k8s.Container {
    const { name, image, imagePullPolicy, resources, hardened, extraArgs } = this.settled;
    return {
      name,
      image,
      imagePullPolicy,
      args: [`-provisioner=${this.provisionerName}`, ...extraArgs],
      ports: this.ports.map(p => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
      env: [
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'SERVICE_NAME', value: this.service.name },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ],
      ...(hardened ? this._toProbes() : {}),
      securityContext: {
        ...(hardened ? { allowPrivilegeEscalation: false } : {}),
        capabilities: this._toCapabilities(),
      },
      resources: toResourceRequirements(resources),
      volumeMounts: [{ name: EXPORT_VOLUME, mountPath: EXPORT_MOUNT_PATH }],
    };
  }

  /**
   * Hardened: every capability dropped and only `capabilities` added back; the course's pod adds
   * them to the runtime's defaults. Written without the CAP_ prefix, as Kubernetes expects.
   */
  private _toCapabilities(): k8s.Capabilities | undefined {
    const { hardened, capabilities } = this.settled;
    if (hardened) return { drop: ['ALL'], add: nonEmpty(capabilities) };
    return capabilities.length ? { add: capabilities } : undefined;
  }

  /** Ready when the NFS server accepts connections; alive while its mount daemon does. */
  private _toProbes(): Pick<k8s.Container, 'readinessProbe' | 'livenessProbe'> {
    const tcp = (portName: string) => ({ port: k8s.IntOrString.fromNumber(this.ports.find(p => p.name === portName)!.port) });
    return {
      readinessProbe: { tcpSocket: tcp('nfs'), ...probeTimingFields(this.settled.readinessProbe) },
      livenessProbe: { tcpSocket: tcp('mountd'), ...probeTimingFields(this.settled.livenessProbe) },
    };
  }

  /**
   * The NFS ports open only to the mount clients' addresses (the nodes: the kubelet mounts);
   * egress only to DNS and the API server.
   */
  private _toNetworkPolicyProps(): k8s.KubeNetworkPolicyProps {
    const { name, nfsClientCidrs, apiServerPorts } = this.settled;
    return {
      metadata: { name, labels: this.labels },
      spec: {
        podSelector: { matchLabels: selectorLabels(name) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{
          from: nfsClientCidrs.map(cidr => ({ ipBlock: { cidr } })),
          ports: this.ports.map(p => policyPort(p.port, p.protocol)),
        }],
        egress: [DNS_EGRESS, apiServerEgress(apiServerPorts)],
      },
    };
  }

  private _toStorageClassProps(): k8s.KubeStorageClassProps {
    const { reclaimPolicy, mountOptions, parameters, allowVolumeExpansion, volumeBindingMode, defaultClass } = this.settled;
    return {
      metadata: {
        name: this.storageClassName,
        labels: this.labels,
        annotations: defaultClass ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : undefined,
      },
      provisioner: this.provisionerName,
      reclaimPolicy,
      // Kubernetes' defaults (false, Immediate) stay out of the manifest.
      allowVolumeExpansion: allowVolumeExpansion || undefined,
      volumeBindingMode: volumeBindingMode === VolumeBindingMode.IMMEDIATE ? undefined : volumeBindingMode,
      mountOptions: nonEmpty(mountOptions),
      parameters: nonEmpty(parameters as Record<string, string>),
    };
  }

  /** The claim `nfs` (1Mi, RWX) that proves provisioning works. */
  private _toTestClaimProps(): k8s.KubePersistentVolumeClaimProps {
    return {
      metadata: { name: 'nfs', labels: appLabels(this.settled.name, 'storage-test') },
      spec: {
        accessModes: ['ReadWriteMany'],
        resources: { requests: { storage: k8s.Quantity.fromString('1Mi') } },
        storageClassName: this.storageClassName,
      },
    };
  }
}

/** Leaves out empty maps and lists, so the manifest shows only what was asked for. */
function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length === 0 ? undefined : value;
}
