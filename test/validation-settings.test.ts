import { App, Chart } from 'cdk8s';
import { Mehdb, MehdbProps } from '../lib/mehdb';
import { NfsProvisioner, NfsProvisionerProps } from '../lib/nfs-provisioner';
import { TEST_IMAGE } from './support/synth';
import { NodeSelectorOperator, TaintEffect, TolerationOperator, TopologyDomain, UpdateStrategyType } from '../lib';

function mehdb(props: Partial<MehdbProps>) {
  const chart = new Chart(new App(), 'c', { namespace: 'db' });
  return () => new Mehdb(chart, 'm', { namespace: 'db', storageClassName: 'nfs-dynamic', image: TEST_IMAGE, ...props });
}

function provisioner(props: Partial<NfsProvisionerProps>) {
  const app = new App();
  return () => new NfsProvisioner(new Chart(app, 'ns', { namespace: 'db' }), 'p', { namespace: 'db', clusterScope: new Chart(app, 'cluster'), ...props });
}

// The production settings (issue 10): [what is wrong, how it is built, the prop the error names, a word the message must hold]
const BAD_SETTINGS: Array<[string, () => unknown, string, RegExp?]> = [
  ['a claim policy other than Retain|Delete', mehdb({ persistentVolumeClaimRetentionPolicy: { whenScaled: 'Keep' as any } }), 'mehdb.persistentVolumeClaimRetentionPolicy.whenScaled', /"Retain", "Delete"/],
  ['a claim policy for an unknown event', mehdb({ persistentVolumeClaimRetentionPolicy: { whenMoved: 'Retain' } as any }), 'mehdb.persistentVolumeClaimRetentionPolicy.whenMoved', /whenDeleted/],
  ['a spread over an unknown domain', mehdb({ topologySpreadConstraints: [{ over: 'rack' as any }] }), 'mehdb.topologySpreadConstraints[0].over'],
  ['a spread with maxSkew 0', mehdb({ topologySpreadConstraints: [{ over: TopologyDomain.ZONE, maxSkew: 0 }] }), 'mehdb.topologySpreadConstraints[0].maxSkew'],
  ['a spread with an unknown whenUnsatisfiable', mehdb({ topologySpreadConstraints: [{ over: TopologyDomain.HOST, whenUnsatisfiable: 'Never' as any }] }), 'mehdb.topologySpreadConstraints[0].whenUnsatisfiable', /DoNotSchedule/],
  ['a spread on a bad label key', mehdb({ topologySpreadConstraints: [{ over: TopologyDomain.ZONE, topologyKey: 'zone name' }] }), 'mehdb.topologySpreadConstraints[0].topologyKey'],
  ['an unknown update strategy', mehdb({ updateStrategy: { type: 'Recreate' as any } }), 'mehdb.updateStrategy.type'],
  ['a partition above replicas', mehdb({ replicas: 2, updateStrategy: { type: UpdateStrategyType.ROLLING_UPDATE, partition: 3 } }), 'mehdb.updateStrategy.partition', /from 0 to 2/],
  ['a negative partition', mehdb({ updateStrategy: { type: UpdateStrategyType.ROLLING_UPDATE, partition: -1 } }), 'mehdb.updateStrategy.partition'],
  ['a partition with OnDelete', mehdb({ updateStrategy: { type: UpdateStrategyType.ON_DELETE, partition: 1 } }), 'mehdb.updateStrategy.partition'],
  ['an unknown pod management policy', mehdb({ podManagementPolicy: 'Random' as any }), 'mehdb.podManagementPolicy'],
  ['a priority class that is not a DNS subdomain', mehdb({ priorityClassName: 'High Priority' }), 'mehdb.priorityClassName'],
  ['a zero startup probe period', mehdb({ startupProbe: { periodSeconds: 0 } }), 'mehdb.startupProbe.periodSeconds'],
  ['a zero probe timeout', mehdb({ livenessProbe: { timeoutSeconds: 0 } }), 'mehdb.livenessProbe.timeoutSeconds'],
  ['a zero failure threshold', mehdb({ readinessProbe: { failureThreshold: 0 } }), 'mehdb.readinessProbe.failureThreshold'],
  ['a pull secret that is not a name', mehdb({ imagePullSecrets: ['my_secret'] }), 'mehdb.imagePullSecrets[0]'],
  ['a pod label that changes the selector', mehdb({ podLabels: { app: 'other' } }), 'mehdb.podLabels.app', /selectors/],
  ['a pod label with a bad key', mehdb({ podLabels: { 'a b': 'x' } }), 'mehdb.podLabels.a b'],
  ['a pod label with a bad value', mehdb({ podLabels: { tier: 'a b' } }), 'mehdb.podLabels.tier'],
  ['a Service label the construct owns', mehdb({ serviceLabels: { 'app.kubernetes.io/name': 'x' } }), 'mehdb.serviceLabels.app.kubernetes.io/name'],
  ['a claim label a prune would delete the data by', mehdb({ claimLabels: { 'app.kubernetes.io/part-of': 'mehdb' } }), 'mehdb.claimLabels.app.kubernetes.io/part-of', /prune/],
  ['an annotation with a bad key', mehdb({ podAnnotations: { '/x': 'y' } }), 'mehdb.podAnnotations./x'],
  ['an annotation that is not a string', mehdb({ serviceAnnotations: { 'a': 1 as any } }), 'mehdb.serviceAnnotations.a'],
  ['a claim annotation with a bad key', mehdb({ claimAnnotations: { 'a b': 'x' } }), 'mehdb.claimAnnotations.a b'],
  ['a scrape annotation written by hand while scrapeAnnotations is on', mehdb({ scrapeAnnotations: true, podAnnotations: { 'prometheus.io/port': '1' } }), 'mehdb.podAnnotations.prometheus.io/port'],
  ['a node selector value with a space', mehdb({ nodeSelector: { disk: 'fast ssd' } }), 'mehdb.nodeSelector.disk'],
  ['a toleration without key and operator Equal', mehdb({ tolerations: [{ effect: TaintEffect.NO_SCHEDULE }] }), 'mehdb.tolerations[0].key'],
  ['a toleration with Exists and a value', mehdb({ tolerations: [{ key: 'k', operator: TolerationOperator.EXISTS, value: 'v' }] }), 'mehdb.tolerations[0].value'],
  ['a toleration with an unknown effect', mehdb({ tolerations: [{ key: 'k', effect: 'NoRun' as any }] }), 'mehdb.tolerations[0].effect'],
  ['tolerationSeconds without NoExecute', mehdb({ tolerations: [{ key: 'k', tolerationSeconds: 60 }] }), 'mehdb.tolerations[0].tolerationSeconds'],
  ['node affinity In without values', mehdb({ nodeAffinity: { required: [{ key: 'disk', operator: NodeSelectorOperator.IN }] } }), 'mehdb.nodeAffinity.required[0].values'],
  ['node affinity with an unknown operator', mehdb({ nodeAffinity: { required: [{ key: 'disk', operator: 'Is' as any }] } }), 'mehdb.nodeAffinity.required[0].operator'],
  ['a node affinity weight of 0', mehdb({ nodeAffinity: { preferred: [{ weight: 0, matchExpressions: [] }] } }), 'mehdb.nodeAffinity.preferred[0].weight'],
  ['extra env overriding the leader URL', mehdb({ extraEnv: { MEHDB_LEADER_URL: 'http://x' } }), 'mehdb.extraEnv.MEHDB_LEADER_URL', /mehdb\.name, mehdb\.port or mehdb\.clusterDomain/],
  ['extra env overriding the data dir', mehdb({ extraEnv: { MEHDB_DATADIR: '/x' } }), 'mehdb.extraEnv.MEHDB_DATADIR', /mehdb\.dataPath/],
  ['extra env overriding the port', mehdb({ extraEnv: { MEHDB_PORT: '1' } }), 'mehdb.extraEnv.MEHDB_PORT', /mehdb\.port/],
  ['extra env with an invalid name', mehdb({ extraEnv: { '1CACHE': '1' } }), 'mehdb.extraEnv.1CACHE'],
  ['extra env with a number value', mehdb({ extraEnv: { MEHDB_CACHE_BYTES: 1024 as any } }), 'mehdb.extraEnv.MEHDB_CACHE_BYTES', /quote/],
  ['a grace period of 0', mehdb({ terminationGracePeriodSeconds: 0 }), 'mehdb.terminationGracePeriodSeconds'],
  ['a grace period shorter than the shutdown timeout', mehdb({ terminationGracePeriodSeconds: 5 }), 'mehdb.terminationGracePeriodSeconds', /MEHDB_SHUTDOWN_TIMEOUT_MS/],
  ['a grace period shorter than the shutdown timeout set in extra env', mehdb({ terminationGracePeriodSeconds: 30, extraEnv: { MEHDB_SHUTDOWN_TIMEOUT_MS: '60000' } }), 'mehdb.terminationGracePeriodSeconds'],
  ['minAvailable and maxUnavailable together', mehdb({ podDisruptionBudget: { minAvailable: 1, maxUnavailable: 1 } }), 'mehdb.podDisruptionBudget', /exactly one/],
  ['a budget with neither', mehdb({ podDisruptionBudget: {} }), 'mehdb.podDisruptionBudget'],
  ['minAvailable equal to replicas (blocks every drain)', mehdb({ replicas: 2, podDisruptionBudget: { minAvailable: 2 } }), 'mehdb.podDisruptionBudget.minAvailable', /drain/],
  ['minAvailable with one replica', mehdb({ replicas: 1, podDisruptionBudget: { minAvailable: 1 } }), 'mehdb.podDisruptionBudget.minAvailable', /one replica/],
  ['maxUnavailable 0 (blocks every drain)', mehdb({ podDisruptionBudget: { maxUnavailable: 0 } }), 'mehdb.podDisruptionBudget.maxUnavailable'],
  ['minAvailable 100%', mehdb({ podDisruptionBudget: { minAvailable: '100%' } }), 'mehdb.podDisruptionBudget.minAvailable'],
  ['a budget that is neither a count nor a percentage', mehdb({ podDisruptionBudget: { maxUnavailable: 'half' } }), 'mehdb.podDisruptionBudget.maxUnavailable'],
  ['a ServiceMonitor interval that is not a duration', mehdb({ serviceMonitor: { interval: '30 seconds' } }), 'mehdb.serviceMonitor.interval'],
  ['a ServiceMonitor timeout longer than its interval', mehdb({ serviceMonitor: { interval: '10s', scrapeTimeout: '1m' } }), 'mehdb.serviceMonitor.scrapeTimeout'],
  ['a ServiceMonitor label with a bad value', mehdb({ serviceMonitor: { labels: { release: 'a b' } } }), 'mehdb.serviceMonitor.labels.release'],
  ['a misspelled key in a spread', mehdb({ topologySpreadConstraints: [{ over: TopologyDomain.ZONE, maxskew: 2 } as any] }), 'mehdb.topologySpreadConstraints[0].maxskew', /maxSkew/],
  ['a misspelled key in a probe', mehdb({ livenessProbe: { timeout: 3 } as any }), 'mehdb.livenessProbe.timeout', /timeoutSeconds/],
  ['a misspelled key in the update strategy', mehdb({ updateStrategy: { type: UpdateStrategyType.ROLLING_UPDATE, partitions: 1 } as any }), 'mehdb.updateStrategy.partitions'],
  ['a misspelled key in a toleration', mehdb({ tolerations: [{ key: 'k', efect: 'NoSchedule' } as any] }), 'mehdb.tolerations[0].efect'],
  ['a misspelled key in node affinity', mehdb({ nodeAffinity: { requried: [] } as any }), 'mehdb.nodeAffinity.requried'],
  ['a misspelled key in the budget', mehdb({ podDisruptionBudget: { maxUnavailable: 1, minAvaliable: 1 } as any }), 'mehdb.podDisruptionBudget.minAvaliable'],
  ['a misspelled key in the ServiceMonitor', mehdb({ serviceMonitor: { intervall: '30s' } as any }), 'mehdb.serviceMonitor.intervall', /interval/],
  ['a misspelled key in a provisioner probe', provisioner({ readinessProbe: { period: 5 } as any }), 'storage.readinessProbe.period'],
  ['an extra arg that is not a flag', provisioner({ extraArgs: ['device-based-fsids=false'] }), 'storage.extraArgs[0]', /-name=value/],
  ['an extra arg repeating -provisioner=', provisioner({ extraArgs: ['-provisioner=other.com/nfs'] }), 'storage.extraArgs[0]', /provisionerName/],
  ['an extra arg given twice', provisioner({ extraArgs: ['-v=2', '--v=4'] }), 'storage.extraArgs[1]', /twice/],
  ['a provisioner probe with period 0', provisioner({ readinessProbe: { periodSeconds: 0 } }), 'storage.readinessProbe.periodSeconds'],
  ['a provisioner liveness timeout of 0', provisioner({ livenessProbe: { timeoutSeconds: 0 } }), 'storage.livenessProbe.timeoutSeconds'],
  ['a capability with the CAP_ prefix', provisioner({ capabilities: ['CAP_SYS_RESOURCE'] }), 'storage.capabilities[0]'],
  ['an unknown seccomp profile', provisioner({ seccompProfile: 'Localhost' as any }), 'storage.seccompProfile'],
  ['an unknown volume binding mode', provisioner({ volumeBindingMode: 'Later' as any }), 'storage.volumeBindingMode', /"Immediate", "WaitForFirstConsumer"/],
];

describe('bad production settings stop synth with an error that names the prop and the fix', () => {
  // Every row with four cells: with three, jest would pass its done callback as the fourth.
  test.each(BAD_SETTINGS.map(([what, build, prop, detail]) => [what, build, prop, detail ?? null] as const))('%s', (_what, build, prop, detail) => {
    let message = '';
    try { build(); } catch (e) { message = (e as Error).message; }
    expect(message).toMatch(new RegExp(`^${prop.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+\\. Fix: .+`, 'm'));
    if (detail) expect(message).toMatch(detail);
  });
});

test('the good values next to the bad ones synthesize', () => {
  expect(mehdb({ replicas: 3, updateStrategy: { type: UpdateStrategyType.ROLLING_UPDATE, partition: 3 }, podDisruptionBudget: { minAvailable: '50%' } })).not.toThrow();
  expect(mehdb({ tolerations: [{ operator: TolerationOperator.EXISTS }, { key: 'k', effect: TaintEffect.NO_EXECUTE, tolerationSeconds: 60 }] })).not.toThrow();
  expect(mehdb({ nodeAffinity: { required: [{ key: 'gen', operator: NodeSelectorOperator.GT, values: ['3'] }] }, terminationGracePeriodSeconds: 11 })).not.toThrow();
  expect(mehdb({ extraEnv: { MEHDB_SHUTDOWN_TIMEOUT_MS: '5000' }, terminationGracePeriodSeconds: 6 })).not.toThrow();
  expect(provisioner({ extraArgs: ['-device-based-fsids=false', '-enable-xfs-quota'], capabilities: [] })).not.toThrow();
});
