/**
 * The cluster itself, before any manifest: real nodes with their runtime and identities, the
 * API server reaching the kubelets, cluster DNS from CoreDNS, and the control-plane node.
 */
import { strict as assert } from 'node:assert';
import { Resolver } from 'node:dns/promises';
import { test } from 'node:test';
import { DNS_ADDR, STATE, core, kubectl } from './harness';

const WORKERS = ['worker-1', 'worker-2', 'worker-3'];
const NODES = ['master', ...WORKERS];

test('four real nodes (master and three workers) are Ready on containerd, each with its own address and kubelet', async () => {
  const nodes = (await core.listNode()).items;
  assert.deepEqual(nodes.map((n) => n.metadata!.name).sort(), NODES);
  const addresses = new Set<string>();
  for (const node of nodes) {
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', `${node.metadata!.name} Ready`);
    assert.match(node.status!.nodeInfo!.containerRuntimeVersion, /^containerd:\/\/2\./);
    assert.match(node.status!.nodeInfo!.kubeletVersion, /^v1\.37\./);
    addresses.add(node.status!.addresses!.find((a) => a.type === 'InternalIP')!.address);
  }
  assert.equal(addresses.size, NODES.length, 'distinct node addresses');
  console.log(await kubectl('get', 'nodes', '-o', 'wide'));
});

test('the control-plane node master is a real kubelet node, tainted and labelled as kubeadm does', async () => {
  const master = await core.readNode({ name: 'master' });
  assert.ok('node-role.kubernetes.io/control-plane' in (master.metadata?.labels ?? {}));
  assert.deepEqual(master.spec?.taints?.map((t) => [t.key, t.effect]), [['node-role.kubernetes.io/control-plane', 'NoSchedule']]);
  assert.equal(master.status?.nodeInfo?.kubeletVersion, (await core.readNode({ name: 'worker-1' })).status?.nodeInfo?.kubeletVersion);
});

test('kubectl is the cluster\'s own version (built from the same Kubernetes module as the control plane)', async () => {
  const version = JSON.parse(await kubectl('version', '-o', 'json')) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } };
  assert.equal(version.clientVersion.gitVersion, version.serverVersion.gitVersion);
});

test('a node acts as system:node:<name>: the Node authorizer and NodeRestriction stop it touching another node', async () => {
  const asWorker1 = ['--kubeconfig', `${STATE}/kubeconfig/worker-1`];
  assert.match(await kubectl(...asWorker1, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'), /^system:node:worker-1$/);
  await kubectl(...asWorker1, 'get', 'node', 'worker-1');
  await assert.rejects(kubectl(...asWorker1, 'label', 'node', 'worker-2', 'mehdb-test=forbidden'), /forbidden/i);
  await assert.rejects(kubectl(...asWorker1, 'get', 'secrets', '-A'), /forbidden/i);
});

test('the API server reaches the kubelets (the node proxy answers with the kubelet\'s own health)', async () => {
  for (const name of NODES) {
    assert.equal((await kubectl('get', '--raw', `/api/v1/nodes/${name}/proxy/healthz`)).trim(), 'ok');
  }
});

test('CoreDNS serves cluster.local from the API server: kubernetes.default resolves to its ClusterIP', async () => {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([DNS_ADDR]);
  const svc = await core.readNamespacedService({ namespace: 'default', name: 'kubernetes' });
  assert.deepEqual(await resolver.resolve4('kubernetes.default.svc.cluster.local'), [svc.spec!.clusterIP]);
  await assert.rejects(resolver.resolve4('example.com'), /ENOTFOUND|NXDOMAIN/, 'nothing is forwarded upstream');
});

test('kube-proxy (iptables mode) makes ClusterIP Services answer: the kubernetes Service reaches the API server', async () => {
  const svc = await core.readNamespacedService({ namespace: 'default', name: 'kubernetes' });
  const out = await kubectl('--server', `https://${svc.spec!.clusterIP}:443`, 'get', '--raw', '/readyz');
  assert.equal(out.trim(), 'ok');
});
