import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { InvalidPropError } from '../common/prop-error';
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
    apiServerPorts: checkList('NfsProvisioner.apiServerPorts', props.apiServerPorts ?? [...d.apiServerPorts], checkPort),
  };
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
