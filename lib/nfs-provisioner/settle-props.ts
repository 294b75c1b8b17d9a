import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { checkProbeTiming } from '../common/probes';
import { InvalidPropError, show } from '../common/prop-error';
import { checkResources } from '../common/resources';
import {
  checkAbsolutePath, checkCidr, checkDnsLabel, checkDnsSubdomain, checkList, checkOneOf, checkPinnedImage, checkPort, checkProvisionerName,
} from '../common/validate';
import {
  NFS_PROVISIONER_DEFAULTS, NfsProvisionerProps, NfsStorageClassParameters, NoScheduleToleration, SettledNfsProvisionerProps,
} from './nfs-provisioner-props';

const PARAMETER_KEYS: ReadonlyArray<keyof NfsStorageClassParameters> = ['gid', 'rootSquash', 'mountOptions'];

/**
 * Resolves {@link NfsProvisionerProps} once: each missing field takes its default from
 * {@link NFS_PROVISIONER_DEFAULTS}, and every value is checked, so a bad one stops synth naming the prop.
 */
export function settleNfsProvisionerProps(props: NfsProvisionerProps): SettledNfsProvisionerProps {
  const d = NFS_PROVISIONER_DEFAULTS;
  return {
    name: checkDnsLabel('NfsProvisioner.name', props.name ?? d.name),
    namespace: checkDnsLabel('NfsProvisioner.namespace', props.namespace),
    provisionerName: checkProvisionerName('NfsProvisioner.provisionerName', props.provisionerName ?? d.provisionerName),
    storageClassName: checkDnsSubdomain('NfsProvisioner.storageClassName', props.storageClassName ?? d.storageClassName),
    image: checkPinnedImage('NfsProvisioner.image', props.image ?? d.image),
    portSet: checkOneOf('NfsProvisioner.portSet', props.portSet ?? d.portSet, ['v2', 'v4']),
    exportHostPath: checkAbsolutePath('NfsProvisioner.exportHostPath', props.exportHostPath ?? d.exportHostPath),
    createExportHostPath: props.createExportHostPath ?? d.createExportHostPath,
    clusterScope: checkClusterScope(props.clusterScope),
    parameters: checkParameters(props.parameters ?? d.parameters),
    resources: checkResources('NfsProvisioner.resources', props.resources ?? d.resources),
    reclaimPolicy: checkOneOf('NfsProvisioner.reclaimPolicy', props.reclaimPolicy ?? d.reclaimPolicy, ['Delete', 'Retain']),
    tolerations: (props.tolerations ?? [...d.tolerations]).map(checkToleration),
    nodeSelector: props.nodeSelector ?? d.nodeSelector,
    mountOptions: props.mountOptions ?? [...d.mountOptions],
    testClaim: props.testClaim ?? d.testClaim,
    podSecurityPolicyName: props.podSecurityPolicyName,
    hardened: props.hardened ?? d.hardened,
    imagePullPolicy: checkOneOf('NfsProvisioner.imagePullPolicy', props.imagePullPolicy ?? d.imagePullPolicy, ['Always', 'IfNotPresent']),
    networkPolicy: props.networkPolicy ?? d.networkPolicy,
    nfsClientCidrs: checkList('NfsProvisioner.nfsClientCidrs', props.nfsClientCidrs ?? [...d.nfsClientCidrs], checkCidr),
    apiServerPorts: checkList('NfsProvisioner.apiServerPorts', (props.apiServerPorts ?? [...d.apiServerPorts]) as number[], checkPort),
    extraArgs: (props.extraArgs ?? [...d.extraArgs]).map((arg, i, all) => checkExtraArg(`NfsProvisioner.extraArgs[${i}]`, arg, all.slice(0, i))),
    readinessProbe: checkProbeTiming('NfsProvisioner.readinessProbe', props.readinessProbe ?? {}, d.readinessProbe),
    livenessProbe: checkProbeTiming('NfsProvisioner.livenessProbe', props.livenessProbe ?? {}, d.livenessProbe),
    capabilities: (props.capabilities ?? [...d.capabilities]).map((c, i) => checkCapability(`NfsProvisioner.capabilities[${i}]`, c)),
    seccompProfile: props.seccompProfile === undefined ? undefined
      : checkOneOf<'RuntimeDefault' | 'Unconfined'>('NfsProvisioner.seccompProfile', props.seccompProfile, ['RuntimeDefault', 'Unconfined']),
    allowVolumeExpansion: props.allowVolumeExpansion ?? d.allowVolumeExpansion,
    volumeBindingMode: checkOneOf<'Immediate' | 'WaitForFirstConsumer'>('NfsProvisioner.volumeBindingMode', props.volumeBindingMode ?? d.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']),
    defaultClass: props.defaultClass ?? d.defaultClass,
  };
}

/** The flag names the construct sets itself, each with the setting that drives it. */
const OWNED_FLAGS: Readonly<Record<string, string>> = { provisioner: 'NfsProvisioner.provisionerName' };

/** A flag `-name[=value]` that the construct does not set and that no earlier flag repeats. */
function checkExtraArg(prop: string, arg: string, earlier: string[]): string {
  const name = typeof arg === 'string' ? /^--?([A-Za-z0-9][-A-Za-z0-9_.]*)(=.*)?$/.exec(arg)?.[1] : undefined;
  if (name === undefined) {
    throw new InvalidPropError(prop, `${show(arg)} is not a flag`, 'write "-name=value" or "-name", e.g. "-device-based-fsids=false"');
  }
  if (OWNED_FLAGS[name]) {
    throw new InvalidPropError(prop, `the construct sets -${name} itself`, `remove it and set ${OWNED_FLAGS[name]} instead`);
  }
  if (earlier.some(e => e.replace(/^--?/, '').split('=')[0] === name)) {
    throw new InvalidPropError(prop, `-${name} is given twice`, 'keep one of them');
  }
  return arg;
}

function checkCapability(prop: string, capability: string): string {
  if (typeof capability !== 'string' || !/^[A-Z][A-Z_]*$/.test(capability) || capability.startsWith('CAP_')) {
    throw new InvalidPropError(prop, `${show(capability)} is not a capability name as Kubernetes writes it`, 'write it in capitals without the CAP_ prefix, e.g. "DAC_READ_SEARCH"');
  }
  return capability;
}

function checkClusterScope(scope: Construct): Construct {
  if (Chart.of(scope).namespace !== undefined) {
    throw new InvalidPropError('NfsProvisioner.clusterScope', `it is in chart "${Chart.of(scope).node.id}", which has namespace "${Chart.of(scope).namespace}" and would stamp it on the ClusterRole, ClusterRoleBinding and StorageClass`,
      'pass a chart created without a namespace (e.g. ClusterScopedChart)');
  }
  return scope;
}

function checkParameters(parameters: NfsStorageClassParameters): NfsStorageClassParameters {
  for (const key of Object.keys(parameters)) {
    if (!PARAMETER_KEYS.includes(key as keyof NfsStorageClassParameters)) {
      throw new InvalidPropError(`NfsProvisioner.parameters.${key}`, 'the NFS provisioner fails every claim of a StorageClass with an unknown parameter',
        `remove it; the accepted parameters are ${PARAMETER_KEYS.join(', ')} (mount options belong in mountOptions)`);
    }
  }
  return parameters;
}

function checkToleration(toleration: NoScheduleToleration): NoScheduleToleration {
  if (typeof toleration.key !== 'string' || toleration.key.length === 0) {
    throw new InvalidPropError('NfsProvisioner.tolerations[].key', 'a toleration needs the taint key', 'e.g. { key: "node-role.kubernetes.io/control-plane" }');
  }
  return toleration;
}
