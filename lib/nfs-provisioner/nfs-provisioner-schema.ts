// The one schema of NfsProvisioner's props: which values are valid and each default, typed against
// the interfaces of nfs-provisioner-props.ts (a disagreement fails to compile).
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import { ImagePullPolicy } from '../common/image-pull-policy';
import { checkExtraLabels } from '../common/metadata';
import { API_SERVER_PORTS } from '../common/network';
import { InvalidPropError, show } from '../common/prop-error';
import { checked, structOf } from '../common/schema';
import { CONTAINER_RESOURCES, labelKey, probeTiming } from '../common/struct-schemas';
import {
  checkAbsolutePath, checkCidr, checkDnsLabel, checkDnsSubdomain, checkPinnedImage, checkPort, checkProvisionerName,
} from '../common/validate';
import {
  NfsPortSet, NfsProvisionerProps, NfsProvisionerSettings, NfsStorageClassParameters, NoScheduleToleration, ReclaimPolicy, SeccompProfile,
  VolumeBindingMode,
} from './nfs-provisioner-props';

const nonEmpty = <E extends z.ZodType>(element: E, what: string) => checked(z.array(element), (p, v) => {
  if (v.length === 0) throw new InvalidPropError(p, '[] is not a non-empty list', `give at least one ${what}`);
});

/** The flag names the construct sets itself, each with the setting that drives it. */
const OWNED_FLAGS: Readonly<Record<string, string>> = { provisioner: 'storage.provisionerName' };

/** Flags `-name[=value]` that the construct does not set, none twice. */
const extraArgs = checked(z.array(z.string()), (p, args) => args.forEach((arg, i) => {
  const name = /^--?([A-Za-z0-9][-A-Za-z0-9_.]*)(=.*)?$/.exec(arg)?.[1];
  if (name === undefined) throw new InvalidPropError(`${p}[${i}]`, `${show(arg)} is not a flag`, 'write "-name=value" or "-name", e.g. "-device-based-fsids=false"');
  if (OWNED_FLAGS[name]) throw new InvalidPropError(`${p}[${i}]`, `the construct sets -${name} itself`, `remove it and set ${OWNED_FLAGS[name]} instead`);
  if (args.slice(0, i).some(e => e.replace(/^--?/, '').split('=')[0] === name)) {
    throw new InvalidPropError(`${p}[${i}]`, `-${name} is given twice`, 'keep one of them');
  }
}));

/** One StorageClass mount option, e.g. `vers=4.1`. */
const mountOption = checked(z.string(), (p, o) => {
  if (!/^[^\s,]+$/.test(o)) throw new InvalidPropError(p, `${show(o)} is not one mount option`, 'write one option per element, without spaces or commas, e.g. "vers=4.1"');
});

/**
 * What NFS Ganesha and the daemons the provisioner starts need, measured one by one under
 * containerd 2 and runc (cluster/README.md): without any one of them the server does not start or
 * a client cannot write.
 */
const GANESHA_CAPABILITIES = ['DAC_READ_SEARCH', 'FOWNER', 'SETGID', 'SETUID', 'SETPCAP', 'NET_BIND_SERVICE'];

const capability = checked(z.string(), (p, c) => {
  if (!/^[A-Z][A-Z_]*$/.test(c) || c.startsWith('CAP_')) {
    throw new InvalidPropError(p, `${show(c)} is not a capability name as Kubernetes writes it`, 'write it in capitals without the CAP_ prefix, e.g. "DAC_READ_SEARCH"');
  }
});

// The NFS provisioner fails every claim of a StorageClass with a parameter it does not know: strict.
const PARAMETERS = structOf<NfsStorageClassParameters>('NfsStorageClassParameters')({
  gid: z.string().optional(),
  rootSquash: z.string().optional(),
  mountOptions: z.string().optional(),
});

const NO_SCHEDULE_TOLERATION = structOf<NoScheduleToleration>('NoScheduleToleration')({
  key: labelKey,
});

/** The settings' fields, shared by the settings (a config file's `storage`) and the construct's props. */
export const SETTINGS_SHAPE = {
  name: checked(z.string(), checkDnsLabel).default('nfs-provisioner'),
  image: checked(z.string(), checkPinnedImage).default('registry.k8s.io/sig-storage/nfs-provisioner:v4.0.8'),
  portSet: z.enum(NfsPortSet).default(NfsPortSet.V4),
  provisionerName: checked(z.string(), checkProvisionerName).default('example.com/nfs'),
  storageClassName: checked(z.string(), checkDnsSubdomain).default('nfs-dynamic'),
  exportHostPath: checked(z.string(), checkAbsolutePath).default('/srv/nfs-dynamic'),
  createExportHostPath: z.boolean().default(true),
  nodeSelector: checked(z.record(z.string(), z.string()), (p, v) => checkExtraLabels(p, v)).default({}),
  tolerations: z.array(NO_SCHEDULE_TOLERATION).default([]),
  mountOptions: z.array(mountOption).default(['vers=4.1']),
  parameters: PARAMETERS.default({}),
  reclaimPolicy: z.enum(ReclaimPolicy).default(ReclaimPolicy.DELETE),
  resources: CONTAINER_RESOURCES.default({
    requests: { cpu: '100m', memory: '64Mi', ephemeralStorage: '64Mi' },
    limits: { cpu: '1', memory: '512Mi', ephemeralStorage: '512Mi' },
  }),
  testClaim: z.boolean().default(false),
  podSecurityPolicyName: checked(z.string(), checkDnsSubdomain).optional(),
  hardened: z.boolean().default(true),
  imagePullPolicy: z.enum(ImagePullPolicy).default(ImagePullPolicy.ALWAYS),
  networkPolicy: z.boolean().default(true),
  nfsClientCidrs: nonEmpty(checked(z.string(), checkCidr), 'CIDR').default(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']),
  apiServerPorts: nonEmpty(checked(z.number(), checkPort), 'port').default([...API_SERVER_PORTS]),
  extraArgs: extraArgs.default([]),
  readinessProbe: probeTiming({ initialDelaySeconds: 5, periodSeconds: 10 }),
  livenessProbe: probeTiming({ initialDelaySeconds: 30, periodSeconds: 20, failureThreshold: 3 }),
  capabilities: z.array(capability).default([...GANESHA_CAPABILITIES]),
  seccompProfile: z.enum(SeccompProfile).default(SeccompProfile.RUNTIME_DEFAULT),
  allowVolumeExpansion: z.boolean().default(false),
  volumeBindingMode: z.enum(VolumeBindingMode).default(VolumeBindingMode.IMMEDIATE),
  defaultClass: z.boolean().default(false),
};

/** What a config file's `storage` may hold. */
export const NFS_PROVISIONER_SETTINGS = structOf<NfsProvisionerSettings>('NfsProvisionerSettings')(SETTINGS_SHAPE);

/** A chart without a namespace: a chart's namespace is stamped on the cluster-scoped objects in it. */
const clusterScope = checked(z.custom<Construct>(v => Construct.isConstruct(v), { error: 'is not a construct' }), (p, scope) => {
  const chart = Chart.of(scope);
  if (chart.namespace !== undefined) {
    throw new InvalidPropError(p, `it is in chart "${chart.node.id}", which has namespace "${chart.namespace}" and would stamp it on the ClusterRole, ClusterRoleBinding and StorageClass`,
      'pass a chart created without a namespace (e.g. ClusterScopedChart)');
  }
});

/** The props of the NfsProvisioner construct. */
export const NFS_PROVISIONER_PROPS = structOf<NfsProvisionerProps>('NfsProvisionerProps')({
  ...SETTINGS_SHAPE,
  namespace: checked(z.string(), checkDnsLabel),
  clusterScope,
});

/** NfsProvisioner's props with every default filled in and every value checked. */
export type SettledNfsProvisionerProps = z.output<typeof NFS_PROVISIONER_PROPS>;
