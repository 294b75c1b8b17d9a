import { Namespace, PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { applyOverrides, AppConfig, PRESETS } from '../lib/config';
import { CONFIG_VARIANTS, PRODUCTION_OVERRIDES } from './fixtures/config-variants';
import { KubeObject, synth } from './support/synth';

/** The schema model of every kind the app emits; a new kind must be added here to pass. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'storage.k8s.io/v1/StorageClass': StorageClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

/**
 * The config variants, plus one with the ServiceMonitor, which stays out of CONFIG_VARIANTS: the
 * control-plane test dry-runs those on an API server without the Prometheus Operator's CRD.
 */
const SCHEMA_VARIANTS: Record<string, AppConfig> = {
  ...CONFIG_VARIANTS,
  'default-production-service-monitor': applyOverrides(PRESETS.default, {
    ...PRODUCTION_OVERRIDES,
    mehdb: { ...PRODUCTION_OVERRIDES.mehdb, serviceMonitor: { labels: { release: 'kube-prometheus-stack' }, interval: '15s', scrapeTimeout: '5s' } },
  }),
};

/** Paths of fields whose value is null or undefined (a converter dropped a value it did not understand). */
function emptyFields(value: unknown, path = ''): string[] {
  if (value === null || value === undefined) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => emptyFields(v, `${path}[${i}]`));
  if (typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => emptyFields(v, `${path}.${k}`));
  return [];
}

describe.each(Object.keys(SCHEMA_VARIANTS))('config variant %s', (variant) => {
  const objects: KubeObject[] = synth(SCHEMA_VARIANTS[variant]).all;

  test.each(objects.map(o => [`${o.kind} ${o.metadata.name}`, o] as const))('%s is valid against the Kubernetes schema', (_name, object) => {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    expect(Model).toBeDefined();
    expect(() => new Model(object).validate()).not.toThrow();
  });

  test('no field comes out null', () => {
    expect(objects.flatMap(o => emptyFields(o, `${o.kind}/${o.metadata.name}`))).toEqual([]);
  });

  test('object names are unique per kind and namespace', () => {
    const keys = objects.map(o => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

test('the validator is real: it rejects an object with a wrong type and a missing required field', () => {
  expect(() => new StatefulSet({ metadata: { name: 'x' }, spec: { replicas: 'two' } } as any).validate()).toThrow(/replicas must be integer/);
  expect(() => new StatefulSet({ metadata: { name: 'x' }, spec: { replicas: 2 } } as any).validate()).toThrow(/required property selector/);
  expect(() => new ServiceMonitor({ metadata: { name: 'x' }, spec: { selector: {}, endpoints: [{ interval: '30 seconds' }] } }).validate()).toThrow(/interval must match pattern/);
  expect(() => new ServiceMonitor({ metadata: { name: 'x' }, spec: { endpoints: [] } } as any).validate()).toThrow(/required property selector/);
});
