import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { k8s } from '../../imports';
import { appLabels, selectorLabels } from '../common/labels';
import { InvalidPropError } from '../common/prop-error';
import { checkResources, toResourceRequirements } from '../common/resources';
import {
  checkAbsolutePath, checkDnsLabel, checkDnsSubdomain, checkOneOf, checkPinnedImage, checkProvisionerName,
} from '../common/validate';
import { nfsPorts } from './nfs-ports';
import { NfsProvisionerProps, NfsStorageClassParameters } from './nfs-provisioner-props';
import { grantProvisionerAccess } from './nfs-provisioner-rbac';

/** Where the provisioner's NFS server exports from inside its container (fixed by the image). */
const EXPORT_MOUNT_PATH = '/export';
const PARAMETER_KEYS: ReadonlyArray<keyof NfsStorageClassParameters> = ['gid', 'rootSquash', 'mountOptions'];

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

  constructor(scope: Construct, id: string, props: NfsProvisionerProps) {
    super(scope, id);
    const name = checkDnsLabel('NfsProvisioner.name', props.name ?? 'nfs-provisioner');
    this.namespace = checkDnsLabel('NfsProvisioner.namespace', props.namespace);
    this.provisionerName = checkProvisionerName('NfsProvisioner.provisionerName', props.provisionerName ?? 'example.com/nfs');
    this.storageClassName = checkDnsSubdomain('NfsProvisioner.storageClassName', props.storageClassName ?? 'nfs-dynamic');
    const image = checkPinnedImage('NfsProvisioner.image', props.image ?? 'registry.k8s.io/sig-storage/nfs-provisioner:v4.0.8');
    const ports = nfsPorts(checkOneOf('NfsProvisioner.portSet', props.portSet ?? 'v4', ['v2', 'v4']));
    const exportHostPath = checkAbsolutePath('NfsProvisioner.exportHostPath', props.exportHostPath ?? '/srv/nfs-dynamic');
    checkClusterScope(props.clusterScope);
    checkParameters(props.parameters ?? {});
    const resources = checkResources('NfsProvisioner.resources', props.resources ?? {
      requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '512Mi' },
    });
    const reclaimPolicy = checkOneOf('NfsProvisioner.reclaimPolicy', props.reclaimPolicy ?? 'Delete', ['Delete', 'Retain']);
    const tolerations = (props.tolerations ?? []).map(t => ({
      key: checkTolerationKey(t.key), operator: 'Exists', effect: 'NoSchedule',
    }));
    const selector = selectorLabels(name);
    const labels = appLabels(name, 'storage');

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name, labels },
      // The provisioner talks to the API server: it needs its token.
      automountToken: true,
    });

    grantProvisionerAccess(this, props.clusterScope, {
      name, namespace: this.namespace, serviceAccountName: serviceAccount.name, podSecurityPolicyName: props.podSecurityPolicyName,
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        selector,
        ports: ports.map(p => ({ name: p.name, port: p.port, protocol: p.protocol })),
      },
    });

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, labels },
      spec: {
        replicas: 1,
        // Two servers must never export the same directory at once.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: serviceAccount.name,
            automountServiceAccountToken: true,
            nodeSelector: nonEmpty(props.nodeSelector),
            tolerations: nonEmpty(tolerations),
            containers: [{
              name,
              image,
              imagePullPolicy: 'IfNotPresent',
              args: [`-provisioner=${this.provisionerName}`],
              ports: ports.map(p => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
              env: [
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'SERVICE_NAME', value: this.service.name },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              ],
              // Written without the CAP_ prefix, as Kubernetes expects.
              securityContext: { capabilities: { add: ['DAC_READ_SEARCH', 'SYS_RESOURCE'] } },
              resources: toResourceRequirements(resources),
              volumeMounts: [{ name: 'export-volume', mountPath: EXPORT_MOUNT_PATH }],
            }],
            volumes: [{
              name: 'export-volume',
              hostPath: {
                path: exportHostPath,
                type: (props.createExportHostPath ?? true) ? 'DirectoryOrCreate' : undefined,
              },
            }],
          },
        },
      },
    });

    this.storageClass = new k8s.KubeStorageClass(props.clusterScope, `${id}StorageClass`, {
      metadata: { name: this.storageClassName, labels },
      provisioner: this.provisionerName,
      reclaimPolicy,
      mountOptions: nonEmpty(props.mountOptions ?? ['vers=4.1']),
      parameters: nonEmpty(props.parameters as Record<string, string> | undefined),
    });

    if (props.testClaim) {
      // The L1 class: cdk8s-plus-27's PersistentVolumeClaim rounds storage to whole Gi and fails on 1Mi.
      new k8s.KubePersistentVolumeClaim(this, 'TestClaim', {
        metadata: { name: 'nfs', labels: appLabels(name, 'storage-test') },
        spec: {
          accessModes: ['ReadWriteMany'],
          resources: { requests: { storage: k8s.Quantity.fromString('1Mi') } },
          storageClassName: this.storageClassName,
        },
      });
    }
  }
}

function checkClusterScope(scope: Construct): void {
  if (Chart.of(scope).namespace !== undefined) {
    throw new InvalidPropError('NfsProvisioner.clusterScope', `it is in chart "${Chart.of(scope).node.id}", which has namespace "${Chart.of(scope).namespace}" and would stamp it on the ClusterRole, ClusterRoleBinding and StorageClass`,
      'pass a chart created without a namespace (e.g. ClusterScopedChart)');
  }
}

function checkParameters(parameters: NfsStorageClassParameters): void {
  for (const key of Object.keys(parameters)) {
    if (!PARAMETER_KEYS.includes(key as keyof NfsStorageClassParameters)) {
      throw new InvalidPropError(`NfsProvisioner.parameters.${key}`, 'the NFS provisioner fails every claim of a StorageClass with an unknown parameter',
        `remove it; the accepted parameters are ${PARAMETER_KEYS.join(', ')} (mount options belong in mountOptions)`);
    }
  }
}

function checkTolerationKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidPropError('NfsProvisioner.tolerations[].key', 'a toleration needs the taint key', 'e.g. { key: "node-role.kubernetes.io/control-plane" }');
  }
  return key;
}

/** Leaves out empty maps and lists, so the manifest shows only what was asked for. */
function nonEmpty<T extends object>(value: T | undefined): T | undefined {
  if (value === undefined) return undefined;
  return Object.keys(value).length === 0 ? undefined : value;
}
