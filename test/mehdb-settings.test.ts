import { PRODUCTION_OVERRIDES } from './fixtures/config-variants';
import { find, KubeObject, presetConfig, synth } from './support/synth';
import { AntiAffinityMode, ClaimRetention, NodeSelectorOperator, TaintEffect, TolerationOperator, UpdateStrategyType, WhenUnsatisfiable } from '../lib';

// GIVEN the default preset with the production settings (test/fixtures/config-variants.ts)
// WHEN synthesized  THEN each setting lands where Kubernetes reads it, and nothing else moves.
const production = synth(presetConfig('default', PRODUCTION_OVERRIDES)).all;
const plain = synth(presetConfig('default')).all;
const sts = find(production, 'StatefulSet', 'mehdb');
const pod = sts.spec.template;
const container = pod.spec.containers[0];
const only = (objects: KubeObject[], kind: string) => objects.filter(o => o.kind === kind);

describe('Mehdb production settings', () => {
  test('updateStrategy, podManagementPolicy and persistentVolumeClaimRetentionPolicy on the StatefulSet', () => {
    expect(sts.spec.updateStrategy).toEqual({ type: UpdateStrategyType.ROLLING_UPDATE, rollingUpdate: { partition: 1 } });
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: ClaimRetention.RETAIN, whenScaled: ClaimRetention.DELETE });
    const onDelete = find(synth(presetConfig('default', { mehdb: { updateStrategy: { type: UpdateStrategyType.ON_DELETE } } })).all, 'StatefulSet', 'mehdb');
    expect(onDelete.spec.updateStrategy).toEqual({ type: UpdateStrategyType.ON_DELETE });
  });

  test('unset, they stay out of the manifest (Kubernetes\' defaults apply)', () => {
    const spec = find(plain, 'StatefulSet', 'mehdb').spec;
    for (const field of ['updateStrategy', 'podManagementPolicy', 'persistentVolumeClaimRetentionPolicy']) expect(spec).not.toHaveProperty(field);
    for (const field of ['topologySpreadConstraints', 'priorityClassName', 'imagePullSecrets', 'nodeSelector', 'tolerations', 'terminationGracePeriodSeconds']) {
      expect(spec.template.spec).not.toHaveProperty(field);
    }
    expect(spec.template.metadata).not.toHaveProperty('annotations');
    expect(spec.template.spec.containers[0]).not.toHaveProperty('startupProbe');
  });

  test('topology spreads over zone and host, with the key per kind, beside the anti-affinity', () => {
    expect(pod.spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: WhenUnsatisfiable.SCHEDULE_ANYWAY, labelSelector: { matchLabels: { app: 'mehdb' } } },
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: WhenUnsatisfiable.DO_NOT_SCHEDULE, labelSelector: { matchLabels: { app: 'mehdb' } } },
    ]);
    expect(pod.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
  });

  test('node selector, tolerations and node affinity', () => {
    expect(pod.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod.spec.tolerations).toEqual([{ key: 'dedicated', operator: TolerationOperator.EQUAL, value: 'db', effect: TaintEffect.NO_SCHEDULE }]);
    expect(pod.spec.affinity.nodeAffinity).toEqual({
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'node.kubernetes.io/instance-type', operator: TolerationOperator.EXISTS }] } }],
    });
    const required = synth(presetConfig('default', { mehdb: { antiAffinity: AntiAffinityMode.NONE, nodeAffinity: { required: [{ key: 'disk', operator: NodeSelectorOperator.IN, values: ['ssd'] }] } } })).all;
    expect(find(required, 'StatefulSet', 'mehdb').spec.template.spec.affinity).toEqual({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: NodeSelectorOperator.IN, values: ['ssd'] }] }] } },
    });
  });

  test('priority class, pull secrets, grace period', () => {
    expect(pod.spec.priorityClassName).toBe('mehdb-critical');
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
    expect(pod.spec.terminationGracePeriodSeconds).toBe(30);
  });

  test('a startup probe, and timeout / failure threshold on every probe, defaults kept for the fields not given', () => {
    expect(container.startupProbe).toEqual({ httpGet: { path: '/status', port: 9876 }, periodSeconds: 2, failureThreshold: 30 });
    expect(container.livenessProbe).toEqual({ httpGet: { path: '/status', port: 9876 }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 5 });
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/status?level=full', port: 9876 }, initialDelaySeconds: 2, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 });
  });

  test('extra env comes after the construct\'s own, which it cannot override', () => {
    expect(container.env.slice(-2)).toEqual([{ name: 'MEHDB_CACHE_BYTES', value: '134217728' }, { name: 'MEHDB_LOG_LEVEL', value: 'warn' }]);
    expect(container.env.slice(0, -2)).toEqual(find(plain, 'StatefulSet', 'mehdb').spec.template.spec.containers[0].env);
  });

  test('every variable the construct sets is refused in extra env, naming the setting that drives it', () => {
    const owned = find(plain, 'StatefulSet', 'mehdb').spec.template.spec.containers[0].env.map((e: any) => e.name);
    for (const name of owned) {
      const build = () => synth(presetConfig('default', { mehdb: { extraEnv: { [name]: 'x' } } }));
      expect(build).toThrow(new RegExp(`^mehdb\\.extraEnv\\.${name}: the construct sets this variable itself\\. Fix: remove it and set `));
    }
  });

  test('extra labels and annotations on the pods, the Service and the claims; selectors unchanged', () => {
    expect(pod.metadata.labels).toMatchObject({ app: 'mehdb', team: 'storage' });
    expect(pod.metadata.annotations).toMatchObject({ 'example.com/owner': 'team-db' });
    const service = find(production, 'Service', 'mehdb');
    expect(service.metadata.labels).toMatchObject({ app: 'mehdb', monitoring: 'prometheus' });
    expect(service.metadata.annotations).toEqual({ 'example.com/owner': 'team-db' });
    expect(service.spec.selector).toEqual({ app: 'mehdb' });
    expect(sts.spec.selector).toEqual({ matchLabels: { app: 'mehdb' } });
    expect(sts.spec.volumeClaimTemplates[0].metadata).toEqual({
      name: 'data', labels: { backup: 'daily' }, annotations: { 'example.com/backup-policy': 'daily' },
    });
  });

  test('a PodDisruptionBudget by minAvailable, maxUnavailable or a percentage; none with false', () => {
    expect(find(production, 'PodDisruptionBudget', 'mehdb').spec).toEqual({ minAvailable: 2, selector: { matchLabels: { app: 'mehdb' } } });
    const percent = synth(presetConfig('default', { mehdb: { replicas: 4, podDisruptionBudget: { maxUnavailable: '25%' } } })).all;
    expect(find(percent, 'PodDisruptionBudget', 'mehdb').spec.maxUnavailable).toBe('25%');
    expect(only(synth(presetConfig('default', { mehdb: { podDisruptionBudget: false } })).all, 'PodDisruptionBudget')).toEqual([]);
  });

  test('scrape annotations point Prometheus at /metrics on the datastore port', () => {
    expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9876', 'prometheus.io/path': '/metrics' });
  });
});

describe('the ServiceMonitor', () => {
  test('off by default', () => {
    expect(only(plain, 'ServiceMonitor')).toEqual([]);
    expect(only(production, 'ServiceMonitor')).toEqual([]);
  });

  test('true: monitoring.coreos.com/v1, the Service\'s named port, /metrics, this namespace, the defaults', () => {
    const all = synth(presetConfig('default', { mehdb: { serviceMonitor: true } })).all;
    const monitor = find(all, 'ServiceMonitor', 'mehdb');
    const service = find(all, 'Service', 'mehdb');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.namespace).toBe('mehdb');
    expect(monitor.spec).toEqual({
      endpoints: [{ port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }],
      selector: { matchLabels: { app: 'mehdb' } },
      namespaceSelector: { matchNames: ['mehdb'] },
    });
    expect(service.spec.ports.map((p: any) => p.name)).toContain(monitor.spec.endpoints[0].port);
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
  });

  test('its labels (for a serviceMonitorSelector), interval and timeout are settable; the object fits the CRD\'s required shape', () => {
    const all = synth(presetConfig('default', { mehdb: { serviceMonitor: { labels: { release: 'kube-prometheus-stack' }, interval: '15s', scrapeTimeout: '5s' } } })).all;
    const monitor = find(all, 'ServiceMonitor', 'mehdb');
    expect(monitor.metadata.labels).toMatchObject({ 'release': 'kube-prometheus-stack', 'app.kubernetes.io/part-of': 'mehdb' });
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '5s' }]);
    // The CRD requires spec.selector and spec.endpoints; its durations are a number and a unit ("30s").
    expect(Object.keys(monitor.spec).sort()).toEqual(['endpoints', 'namespaceSelector', 'selector']);
    for (const e of monitor.spec.endpoints) for (const d of [e.interval, e.scrapeTimeout]) expect(d).toMatch(/^\d+(ms|s|m|h)$/);
    expect(JSON.stringify(monitor)).not.toContain('null');
  });
});
