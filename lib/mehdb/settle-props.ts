import { API_SERVER_PORTS } from '../common/network';
import { checkProbeTiming } from '../common/probes';
import { checkResources } from '../common/resources';
import {
  checkAbsolutePath, checkDnsLabel, checkDnsSubdomain, checkInteger, checkLabels, checkList, checkOneOf, checkPinnedImage, checkPort, checkQuantity,
} from '../common/validate';
import { recordedDatastoreImage } from './datastore-image';
import { MEHDB_DEFAULTS, MehdbProps, SettledMehdbProps } from './mehdb-props';
import { settleMehdbExtras } from './settle-extras';
import { settleFailover } from './settle-failover';

/**
 * Resolves {@link MehdbProps} once: each missing field takes its default from
 * {@link MEHDB_DEFAULTS}, and every value is checked, so a bad one stops synth naming the prop.
 */
export function settleMehdbProps(props: MehdbProps): SettledMehdbProps {
  const d = MEHDB_DEFAULTS;
  const replicas = checkInteger('Mehdb.replicas', props.replicas ?? d.replicas, 1, 1000);
  const extras = settleMehdbExtras(props, replicas);
  const name = checkDnsLabel('Mehdb.name', props.name ?? d.name);
  return {
    ...extras,
    name,
    namespace: checkDnsLabel('Mehdb.namespace', props.namespace),
    port: checkPort('Mehdb.port', props.port ?? d.port),
    clusterDomain: checkDnsSubdomain('Mehdb.clusterDomain', props.clusterDomain ?? d.clusterDomain),
    replicas,
    image: checkPinnedImage('Mehdb.image', props.image ?? recordedDatastoreImage()),
    containerName: checkDnsLabel('Mehdb.containerName', props.containerName ?? d.containerName),
    storageSize: checkQuantity('Mehdb.storageSize', props.storageSize ?? d.storageSize),
    storageClassName: checkDnsSubdomain('Mehdb.storageClassName', props.storageClassName),
    accessMode: checkOneOf('Mehdb.accessMode', props.accessMode ?? d.accessMode, ['ReadWriteOnce', 'ReadWriteMany', 'ReadWriteOncePod']),
    dataPath: checkAbsolutePath('Mehdb.dataPath', props.dataPath ?? d.dataPath),
    antiAffinity: checkOneOf('Mehdb.antiAffinity', props.antiAffinity ?? d.antiAffinity, ['required', 'preferred', 'none']),
    hardened: props.hardened ?? d.hardened,
    runAsUser: checkInteger('Mehdb.runAsUser', props.runAsUser ?? d.runAsUser, 1, 2147483647),
    resources: checkResources('Mehdb.resources', props.resources ?? d.resources),
    livenessProbe: checkProbeTiming('Mehdb.livenessProbe', props.livenessProbe ?? {}, d.livenessProbe),
    readinessProbe: checkProbeTiming('Mehdb.readinessProbe', props.readinessProbe ?? {}, d.readinessProbe),
    readinessPath: checkOneOf('Mehdb.readinessPath', props.readinessPath ?? d.readinessPath, ['/status?level=full', '/readyz']),
    imagePullPolicy: checkOneOf('Mehdb.imagePullPolicy', props.imagePullPolicy ?? d.imagePullPolicy, ['Always', 'IfNotPresent']),
    networkPolicy: props.networkPolicy ?? d.networkPolicy,
    clientSelector: checkLabels('Mehdb.clientSelector', props.clientSelector ?? d.clientSelector),
    apiServerPorts: checkList('Mehdb.apiServerPorts', (props.apiServerPorts ?? [...API_SERVER_PORTS]) as number[], checkPort),
    // Last: its replica checks must not hide a problem of another setting.
    failover: settleFailover(props.failover ?? d.failover, replicas, name),
  };
}

