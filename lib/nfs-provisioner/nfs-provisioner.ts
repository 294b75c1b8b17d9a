import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { k8s } from '../../imports';
import { appLabels, selectorLabels } from '../common/labels';
import { toResourceRequirements } from '../common/resources';
import { NfsPort, nfsPorts } from './nfs-ports';
import { NfsProvisionerProps, SettledNfsProvisionerProps } from './nfs-provisioner-props';
import { grantProvisionerAccess } from './nfs-provisioner-rbac';
import { settleNfsProvisionerProps } from './settle-props';

/** Where the provisioner's NFS server exports from inside its container (fixed by the image). */
const EXPORT_MOUNT_PATH = '/export';
const EXPORT_VOLUME = 'export-volume';

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
  /** The provisioner's Deployment (one pod, Recreate). */
  public readonly deployment: k8s.KubeDeployment;
  /** The Service whose ports the provisioner checks at start. */
  public readonly service: k8s.KubeService;
  /** The props with defaults applied and checked. */
  private readonly settled: SettledNfsProvisionerProps;
  private readonly ports: readonly NfsPort[];
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: NfsProvisionerProps) {
    super(scope, id);
    this.settled = settleNfsProvisionerProps(props);
    const { name, namespace, clusterScope, podSecurityPolicyName } = this.settled;
    this.namespace = namespace;
    this.provisionerName = this.settled.provisionerName;
    this.storageClassName = this.settled.storageClassName;
    this.ports = nfsPorts(this.settled.portSet);
    this.labels = appLabels(name, 'storage');

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name, labels: this.labels },
      // The provisioner talks to the API server: it needs its token.
      automountToken: true,
    });
    grantProvisionerAccess(this, clusterScope, { name, namespace, serviceAccountName: serviceAccount.name, podSecurityPolicyName });
    this.service = new k8s.KubeService(this, 'Service', this._toServiceProps());
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', this._toDeploymentProps(serviceAccount.name));
    this.storageClass = new k8s.KubeStorageClass(clusterScope, `${id}StorageClass`, this._toStorageClassProps());
    if (this.settled.testClaim) {
      // The L1 class: cdk8s-plus-27's PersistentVolumeClaim rounds storage to whole Gi and fails on 1Mi.
      new k8s.KubePersistentVolumeClaim(this, 'TestClaim', this._toTestClaimProps());
    }
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
    return {
      metadata: { name: this.settled.name, labels: this.labels },
      spec: {
        replicas: 1,
        // Two servers must never export the same directory at once.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selectorLabels(this.settled.name) },
        template: { metadata: { labels: this.labels }, spec: this._toPodSpec(serviceAccountName) },
      },
    };
  }

  /** The pod: its token, its node, the provisioner container and the node directory it exports. */
  private _toPodSpec(serviceAccountName: string): k8s.PodSpec {
    const { nodeSelector, tolerations, exportHostPath, createExportHostPath } = this.settled;
    return {
      serviceAccountName,
      automountServiceAccountToken: true,
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
    const { name, image, resources } = this.settled;
    return {
      name,
      image,
      imagePullPolicy: 'IfNotPresent',
      args: [`-provisioner=${this.provisionerName}`],
      ports: this.ports.map(p => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
      env: [
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'SERVICE_NAME', value: this.service.name },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ],
      // Written without the CAP_ prefix, as Kubernetes expects.
      securityContext: { capabilities: { add: ['DAC_READ_SEARCH', 'SYS_RESOURCE'] } },
      resources: toResourceRequirements(resources),
      volumeMounts: [{ name: EXPORT_VOLUME, mountPath: EXPORT_MOUNT_PATH }],
    };
  }

  private _toStorageClassProps(): k8s.KubeStorageClassProps {
    const { reclaimPolicy, mountOptions, parameters } = this.settled;
    return {
      metadata: { name: this.storageClassName, labels: this.labels },
      provisioner: this.provisionerName,
      reclaimPolicy,
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
