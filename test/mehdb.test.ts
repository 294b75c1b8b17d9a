import { App, Chart } from 'cdk8s';
import { Mehdb } from '../lib/mehdb';
import { find, KubeObject, presetConfig, synth, TEST_IMAGE } from './support/synth';
import { AntiAffinityMode, ReadinessPath } from '../lib';

const podSpec = (sts: KubeObject) => sts.spec.template.spec;

describe('Mehdb', () => {
  const { all } = synth(presetConfig('default'));
  const sts = find(all, 'StatefulSet', 'mehdb');
  const service = find(all, 'Service', 'mehdb');
  const container = podSpec(sts).containers[0];

  test('a headless Service on 9876 that the StatefulSet names as its serviceName', () => {
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 9876, targetPort: 9876 }]);
    expect(sts.spec.serviceName).toBe(service.metadata.name);
  });

  test('selectors match the pod template labels (Service, StatefulSet, PodDisruptionBudget)', () => {
    const labels = sts.spec.template.metadata.labels;
    expect(labels).toMatchObject(sts.spec.selector.matchLabels);
    expect(labels).toMatchObject(service.spec.selector);
    expect(labels).toMatchObject(find(all, 'PodDisruptionBudget', 'mehdb').spec.selector.matchLabels);
  });

  test('3 replicas, each claiming its own RWX 1Gi volume "data" from nfs-dynamic, mounted at MEHDB_DATADIR', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteMany'], storageClassName: 'nfs-dynamic', resources: { requests: { storage: '1Gi' } } },
    }]);
    const dataDir = container.env.find((e: any) => e.name === 'MEHDB_DATADIR').value;
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: dataDir });
  });

  test('liveness on /status, readiness on /status?level=full, both on the container port', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 9876 }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/status', port: 9876 });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/status?level=full', port: 9876 });
  });

  test('readiness can wait for a follower to catch up (/readyz)', () => {
    const caughtUp = find(synth(presetConfig('default', { mehdb: { readinessPath: ReadinessPath.READYZ } })).all, 'StatefulSet', 'mehdb');
    expect(podSpec(caughtUp).containers[0].readinessProbe.httpGet).toEqual({ path: '/readyz', port: 9876 });
  });

  test('followers are told where the leader is: pod 0 through the headless Service', () => {
    expect(container.env).toContainEqual({ name: 'MEHDB_LEADER_URL', value: 'http://mehdb-0.mehdb.mehdb.svc.cluster.local:9876' });
    expect(container.env).toContainEqual({ name: 'MEHDB_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
  });

  test('pods are forced onto different nodes by default', () => {
    expect(podSpec(sts).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution)
      .toEqual([{ labelSelector: { matchLabels: { app: 'mehdb' } }, topologyKey: 'kubernetes.io/hostname' }]);
  });

  test('anti-affinity can be preferred or switched off', () => {
    const preferred = find(synth(presetConfig('default', { mehdb: { antiAffinity: AntiAffinityMode.PREFERRED } })).all, 'StatefulSet', 'mehdb');
    expect(podSpec(preferred).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight).toBe(100);
    const none = find(synth(presetConfig('default', { mehdb: { antiAffinity: AntiAffinityMode.NONE } })).all, 'StatefulSet', 'mehdb');
    expect(podSpec(none).affinity).toBeUndefined();
  });

  test('the default preset passes the hardening list (the token is mounted for the election alone: test/failover.test.ts)', () => {
    expect(podSpec(sts).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests).toEqual({ 'cpu': '100m', 'memory': '64Mi', 'ephemeral-storage': '64Mi' });
    expect(container.resources.limits).toEqual({ 'cpu': '1', 'memory': '256Mi', 'ephemeral-storage': '128Mi' });
    expect(container.imagePullPolicy).toBe('Always');
    expect(container.image).toBe(TEST_IMAGE);
  });

  test('a PodDisruptionBudget lets at most one pod go at a time', () => {
    expect(find(all, 'PodDisruptionBudget', 'mehdb').spec.maxUnavailable).toBe(1);
  });

  test('outputs name pods, claims and the leader the way Kubernetes does', () => {
    const chart = new Chart(new App(), 'c', { namespace: 'shop' });
    const db = new Mehdb(chart, 'db', { name: 'orders', namespace: 'shop', storageClassName: 'nfs-dynamic', image: TEST_IMAGE, port: 8080 });
    expect(db.podDnsName(1)).toBe('orders-1.orders.shop.svc.cluster.local');
    expect(db.claimName(2)).toBe('data-orders-2');
    expect(db.leaderUrl).toBe('http://orders-0.orders.shop.svc.cluster.local:8080');
    expect(() => db.podDnsName(-1)).toThrow(/Mehdb.podDnsName\(ordinal\)/);
  });

  test('scaling is one number: replicas and the PDB follow the config', () => {
    const scaled = find(synth(presetConfig('default', { mehdb: { replicas: 5 } })).all, 'StatefulSet', 'mehdb');
    expect(scaled.spec.replicas).toBe(5);
  });
});
