import { AccessMode, AntiAffinityMode, ImagePullPolicy, NfsPortSet, ReclaimPolicy } from '../index';
import { AppConfig, PresetName } from './app-config';

const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane';
const LEGACY_MASTER_TAINT = 'node-role.kubernetes.io/master';

/**
 * `default`: what to deploy today. A current, pinned provisioner (v4 ports and RBAC) on a
 * control-plane node, mehdb from this repo's image in its own namespace, 3 pods on different
 * nodes electing their leader through a Lease (failover), hardened, with a disruption budget.
 */
const DEFAULT_PRESET: AppConfig = {
  preset: 'default',
  namespace: 'mehdb',
  // Only what departs from the constructs' defaults (in their schemas, and in the props' @default docs).
  storage: {
    provisionerName: 'mehdb.local/nfs',
    nodeSelector: { [CONTROL_PLANE_TAINT]: '' },
    tolerations: [{ key: CONTROL_PLANE_TAINT }],
  },
  mehdb: {},
};

/**
 * `tutorial`: the course's manifests in meaning. Provisioner v2.2.2 with its four ports pinned to
 * the node `master` (tolerating both control-plane taints), export `/storage/dynamic`, provisioner
 * `example.com/nfs`, the test claim `nfs`, the upstream mehdb image with the course's probe
 * timings, 2 replicas of RWX 1Gi with `mehdb-0` leading and no election (failover off), in
 * `default`. Every value the course sets is written here, also
 * where it equals today's default: these are the course's values, and a changed default must not
 * change the course.
 */
const TUTORIAL_PRESET: AppConfig = {
  preset: 'tutorial',
  namespace: 'default',
  storage: {
    name: 'nfs-provisioner',
    image: 'quay.io/kubernetes_incubator/nfs-provisioner:v2.2.2',
    portSet: NfsPortSet.V2,
    provisionerName: 'example.com/nfs',
    storageClassName: 'nfs-dynamic',
    exportHostPath: '/storage/dynamic',
    createExportHostPath: false,
    nodeSelector: { 'kubernetes.io/hostname': 'master' },
    tolerations: [{ key: LEGACY_MASTER_TAINT }, { key: CONTROL_PLANE_TAINT }],
    mountOptions: [],
    parameters: { mountOptions: 'vers=4.1' },
    reclaimPolicy: ReclaimPolicy.DELETE,
    resources: {},
    testClaim: true,
    podSecurityPolicyName: 'nfs-provisioner',
    // The course's pod: Recreate, no probes, IfNotPresent, no NetworkPolicy, root's default
    // capabilities plus these two.
    hardened: false,
    capabilities: ['DAC_READ_SEARCH', 'SYS_RESOURCE'],
    imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
    networkPolicy: false,
  },
  mehdb: {
    name: 'mehdb',
    replicas: 2,
    image: 'quay.io/mhausenblas/mehdb:0.6',
    containerName: 'shard',
    storageSize: '1Gi',
    accessMode: AccessMode.READ_WRITE_MANY,
    dataPath: '/mehdbdata',
    antiAffinity: AntiAffinityMode.REQUIRED,
    // The upstream image runs as UID 1001 from a writable root FS; the course runs it as is.
    hardened: false,
    podDisruptionBudget: true,
    resources: {},
    livenessProbe: { initialDelaySeconds: 2, periodSeconds: 10 },
    readinessProbe: { initialDelaySeconds: 15, periodSeconds: 30 },
    imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
    networkPolicy: false,
    // The course's behaviour: mehdb-0 always leads, no election, so no ServiceAccount token, no
    // Role and no API server egress for the datastore.
    failover: { enabled: false },
  },
};

export const PRESETS: Readonly<Record<PresetName, AppConfig>> = {
  default: DEFAULT_PRESET,
  tutorial: TUTORIAL_PRESET,
};
