import { AppConfig, PresetName } from './app-config';

const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane';
const LEGACY_MASTER_TAINT = 'node-role.kubernetes.io/master';

/**
 * `default`: what to deploy today. A current, pinned provisioner (v4 ports and RBAC) on a
 * control-plane node, mehdb from this repo's image in its own namespace, pods on different nodes,
 * hardened, with a disruption budget.
 */
const DEFAULT_PRESET: AppConfig = {
  preset: 'default',
  namespace: 'mehdb',
  storage: {
    name: 'nfs-provisioner',
    image: 'registry.k8s.io/sig-storage/nfs-provisioner:v4.0.8',
    portSet: 'v4',
    provisionerName: 'mehdb.local/nfs',
    storageClassName: 'nfs-dynamic',
    exportHostPath: '/srv/nfs-dynamic',
    createExportHostPath: true,
    nodeSelector: { [CONTROL_PLANE_TAINT]: '' },
    tolerations: [{ key: CONTROL_PLANE_TAINT }],
    mountOptions: ['vers=4.1'],
    reclaimPolicy: 'Delete',
    testClaim: false,
  },
  mehdb: {
    name: 'mehdb',
    replicas: 2,
    storageSize: '1Gi',
    accessMode: 'ReadWriteMany',
    antiAffinity: 'required',
    hardened: true,
    podDisruptionBudget: true,
  },
};

/**
 * `tutorial`: the course's manifests in meaning. Provisioner v2.2.2 with its four ports pinned to
 * the node `master` (tolerating both control-plane taints), export `/storage/dynamic`, provisioner
 * `example.com/nfs`, the test claim `nfs`, the upstream mehdb image with the course's probe
 * timings, 2 replicas of RWX 1Gi, in `default`.
 */
const TUTORIAL_PRESET: AppConfig = {
  preset: 'tutorial',
  namespace: 'default',
  storage: {
    name: 'nfs-provisioner',
    image: 'quay.io/kubernetes_incubator/nfs-provisioner:v2.2.2',
    portSet: 'v2',
    provisionerName: 'example.com/nfs',
    storageClassName: 'nfs-dynamic',
    exportHostPath: '/storage/dynamic',
    createExportHostPath: false,
    nodeSelector: { 'kubernetes.io/hostname': 'master' },
    tolerations: [{ key: LEGACY_MASTER_TAINT }, { key: CONTROL_PLANE_TAINT }],
    mountOptions: [],
    parameters: { mountOptions: 'vers=4.1' },
    reclaimPolicy: 'Delete',
    resources: {},
    testClaim: true,
    podSecurityPolicyName: 'nfs-provisioner',
  },
  mehdb: {
    name: 'mehdb',
    replicas: 2,
    image: 'quay.io/mhausenblas/mehdb:0.6',
    containerName: 'shard',
    storageSize: '1Gi',
    accessMode: 'ReadWriteMany',
    dataPath: '/mehdbdata',
    antiAffinity: 'required',
    // The upstream image runs as UID 1001 from a writable root FS; the course runs it as is.
    hardened: false,
    podDisruptionBudget: true,
    resources: {},
    livenessProbe: { initialDelaySeconds: 2, periodSeconds: 10 },
    readinessProbe: { initialDelaySeconds: 15, periodSeconds: 30 },
  },
};

export const PRESETS: Readonly<Record<PresetName, AppConfig>> = {
  default: DEFAULT_PRESET,
  tutorial: TUTORIAL_PRESET,
};
