import { App, Chart } from 'cdk8s';
import { applyOverrides, AppConfigOverrides, PRESETS } from '../lib/config';
import { Mehdb, MehdbProps } from '../lib/mehdb';
import { NfsProvisioner, NfsProvisionerProps } from '../lib/nfs-provisioner';
import { synth, TEST_IMAGE } from './support/synth';

function mehdb(props: Partial<MehdbProps>) {
  const chart = new Chart(new App(), 'c', { namespace: 'db' });
  return () => new Mehdb(chart, 'm', { namespace: 'db', storageClassName: 'nfs-dynamic', image: TEST_IMAGE, ...props });
}

function provisioner(props: Partial<NfsProvisionerProps>, clusterNamespace?: string) {
  const app = new App();
  const cluster = new Chart(app, 'cluster', { namespace: clusterNamespace });
  const namespaced = new Chart(app, 'ns', { namespace: 'db' });
  return () => new NfsProvisioner(namespaced, 'p', { namespace: 'db', clusterScope: cluster, ...props });
}

function config(overrides: AppConfigOverrides) {
  return () => synth(applyOverrides(PRESETS.default, { ...overrides, mehdb: { image: TEST_IMAGE, ...overrides.mehdb } }));
}

// [what is wrong, how it is built, the prop the error must name]
const BAD_PROPS: Array<[string, () => unknown, string]> = [
  ['replicas < 1', mehdb({ replicas: 0 }), 'mehdb.replicas'],
  ['fractional replicas', mehdb({ replicas: 1.5 }), 'mehdb.replicas'],
  ['a size that is not a quantity', mehdb({ storageSize: '1 gigabyte' }), 'mehdb.storageSize'],
  ['a zero size', mehdb({ storageSize: '0Gi' }), 'mehdb.storageSize'],
  ['a name that is not a DNS label', mehdb({ name: 'MehDB_1' }), 'mehdb.name'],
  ['a name longer than 63 characters', mehdb({ name: 'm'.repeat(64) }), 'mehdb.name'],
  ['a namespace that is not a DNS label', mehdb({ namespace: 'my.ns' }), 'mehdb.namespace'],
  ['a port out of range', mehdb({ port: 70000 }), 'mehdb.port'],
  ['port 0', mehdb({ port: 0 }), 'mehdb.port'],
  ['an unpinned image', mehdb({ image: 'localhost/mehdb:latest' }), 'mehdb.image'],
  ['an image without tag', mehdb({ image: 'quay.io/mhausenblas/mehdb' }), 'mehdb.image'],
  ['an image with spaces', mehdb({ image: 'mehdb: 1' }), 'mehdb.image'],
  ['a relative data path', mehdb({ dataPath: 'data' }), 'mehdb.dataPath'],
  ['an unknown anti-affinity mode', mehdb({ antiAffinity: 'sometimes' as any }), 'mehdb.antiAffinity'],
  ['an unknown access mode', mehdb({ accessMode: 'ReadMany' as any }), 'mehdb.accessMode'],
  ['root as the pod user', mehdb({ runAsUser: 0 }), 'mehdb.runAsUser'],
  ['a negative probe delay', mehdb({ livenessProbe: { initialDelaySeconds: -1, periodSeconds: 10 } }), 'mehdb.livenessProbe.initialDelaySeconds'],
  ['a zero probe period', mehdb({ readinessProbe: { initialDelaySeconds: 1, periodSeconds: 0 } }), 'mehdb.readinessProbe.periodSeconds'],
  ['a readiness path the datastore does not serve', mehdb({ readinessPath: '/ready' as any }), 'mehdb.readinessPath'],
  ['a memory limit that is not a quantity', mehdb({ resources: { limits: { memory: 'lots' } } }), 'mehdb.resources.limits.memory'],
  ['a bad storage class name on the claims', mehdb({ storageClassName: 'NFS_dynamic' }), 'mehdb.storageClassName'],
  ['a bad cluster domain', mehdb({ clusterDomain: 'cluster..local' }), 'mehdb.clusterDomain'],
  ['a StorageClass name that is not a DNS subdomain', provisioner({ storageClassName: 'nfs dynamic' }), 'storage.storageClassName'],
  ['a provisioner name with two slashes', provisioner({ provisionerName: 'example.com/nfs/x' }), 'storage.provisionerName'],
  ['a provisioner name with upper-case domain', provisioner({ provisionerName: 'Example.com/nfs' }), 'storage.provisionerName'],
  ['an unknown port set', provisioner({ portSet: 'v3' as any }), 'storage.portSet'],
  ['an unpinned provisioner image', provisioner({ image: 'registry.k8s.io/sig-storage/nfs-provisioner' }), 'storage.image'],
  ['a relative export path', provisioner({ exportHostPath: 'srv/nfs' }), 'storage.exportHostPath'],
  ['a StorageClass parameter the provisioner rejects', provisioner({ parameters: { server: 'x' } as any }), 'storage.parameters.server'],
  ['an unknown reclaim policy', provisioner({ reclaimPolicy: 'Recycle' as any }), 'storage.reclaimPolicy'],
  ['a toleration without key', provisioner({ tolerations: [{ key: '' }] }), 'storage.tolerations[0].key'],
  ['cluster-scoped objects aimed at a namespaced chart', provisioner({}, 'db'), 'storage.clusterScope'],
  ['a provisioner name that is not a DNS label', provisioner({ name: 'nfs_provisioner' }), 'storage.name'],
  ['an empty client selector', mehdb({ clientSelector: {} }), 'mehdb.clientSelector'],
  ['a client label value with a space', mehdb({ clientSelector: { role: 'a b' } }), 'mehdb.clientSelector'],
  ['an unknown pull policy', mehdb({ imagePullPolicy: 'Never' as any }), 'mehdb.imagePullPolicy'],
  ['an ephemeral-storage limit that is not a quantity', mehdb({ resources: { limits: { ephemeralStorage: '1 GB' } } }), 'mehdb.resources.limits.ephemeralStorage'],
  ['a node CIDR that is not a CIDR', provisioner({ nfsClientCidrs: ['10.0.0.0'] }), 'storage.nfsClientCidrs[0]'],
  ['no node CIDR at all', provisioner({ nfsClientCidrs: [] }), 'storage.nfsClientCidrs'],
  ['an API server port out of range', provisioner({ apiServerPorts: [0] }), 'storage.apiServerPorts[0]'],
  ['a request that is not a quantity', provisioner({ resources: { requests: { cpu: 'fast' } } }), 'storage.resources.requests.cpu'],
  ['claims on a StorageClass the storage layer does not serve', config({ mehdb: { storageClassName: 'ebs' } }), 'mehdb.storageClassName'],
  ['a namespace that is not a DNS label', config({ namespace: 'Mehdb' }), 'namespace'],
  ['an unknown top-level setting', config({ replicas: 3 } as any), 'replicas'],
  ['a misspelled mehdb setting', config({ mehdb: { replica: 3 } as any }), 'mehdb.replica'],
  ['a misspelled storage setting', config({ storage: { storageclass: 'x' } as any }), 'storage.storageclass'],
];

describe('bad props stop synth with an error that names the prop and the fix', () => {
  test.each(BAD_PROPS)('%s', (_what, build, prop) => {
    // A construct reports every problem of its props, one line each: one line names this prop.
    expect(build).toThrow(new RegExp(`^${prop.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+\\. Fix: .+`, 'm'));
  });
});

test('the good values next to each bad one synthesize', () => {
  expect(mehdb({ replicas: 1, failover: { enabled: false }, storageSize: '512Mi', name: 'm-1', port: 65535, image: 'quay.io/mhausenblas/mehdb:0.6' })).not.toThrow();
  expect(provisioner({ provisionerName: 'nfs', storageClassName: 'nfs.fast', parameters: { gid: '1000' } })).not.toThrow();
});
