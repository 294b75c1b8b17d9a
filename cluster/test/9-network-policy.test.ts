/**
 * The NetworkPolicies of dist/, enforced (cluster/netpol: kube-network-policies' policy engine
 * behind an iptables NFQUEUE, failing closed) and proven with client pods in the spirit of the
 * upstream NetworkPolicy conformance tests: each expectation is checked both ways, a connection
 * that must get through and one that must be refused (dropped: `timeout`). Traffic that starts
 * on a node (kubelet probes, the nodes' NFS mounts, this host's tests) is not policed, as with
 * most network plugins. Leaves dist/ applied as it was, the test namespaces deleted.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { DNS_ADDR, MANIFESTS, REPO_DIR, applyManifests, applyObject, core, fault, figure, kubectl, run, waitFor } from './harness';
import { PORT, put, readyPod } from './mehdb-api';
import { claimsBound, nfsServiceAddress, provisionerPod } from './provisioner';
import { From, Target, dnsName, reach, startClientPod, tcp, web } from './reach';
import { NS, VOTERS } from './statefulset';

const OTHER_NS = 'mehdb-netpol-other';
const DENY_NS = 'mehdb-netpol-deny';
const unlabelled: From = { namespace: NS, pod: 'client-unlabelled' };
const labelled: From = { namespace: NS, pod: 'client-labelled' };
const otherNamespace: From = { namespace: OTHER_NS, pod: 'client-labelled' };
const noEgress: From = { namespace: DENY_NS, pod: 'client' };
const CLIENT_LABEL = { 'mehdb-client': 'true' };

let mehdb: k8s.V1Pod[] = [];
let apiClusterIp = '';
const counts = { connected: 0, refused: 0 };
const ip = (pod: k8s.V1Pod) => pod.status!.podIP!;
const status = (pod: k8s.V1Pod) => web(ip(pod), PORT, '/status');
const from = (pod: k8s.V1Pod): From => ({ namespace: NS, pod: pod.metadata!.name! });
const clusterName = () => dnsName(DNS_ADDR, 'kubernetes.default.svc.cluster.local');

/** Asserts what `target` gives from `source` and counts it: `timeout` as refused, anything else as connected. */
async function expectReach(source: From, target: Target, want: string, why: string): Promise<void> {
  const [got] = await reach(source, [target]);
  assert.equal(got, want, `${source.namespace}/${source.pod} -> ${target.host}:${target.port ?? 53} (${why})`);
  if (want === 'timeout') counts.refused++; else counts.connected++;
}

before(async () => {
  await applyManifests(NS, 'data-mehdb-0');
  mehdb = [];
  for (let i = 0; i < VOTERS; i++) mehdb.push(await readyPod(NS, `mehdb-${i}`, 180_000));
  await provisionerPod(120_000);
  apiClusterIp = (await core.readNamespacedService({ namespace: 'default', name: 'kubernetes' })).spec!.clusterIP!;
  for (const ns of [OTHER_NS, DENY_NS]) await kubectl('create', 'namespace', ns);
  // A namespace whose pods may send nothing: the refused side of the egress checks.
  await applyObject({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-egress', namespace: DENY_NS },
    spec: { podSelector: {}, policyTypes: ['Egress'] } });
  const image = mehdb[0].spec!.containers[0].image!;
  await startClientPod({ ...unlabelled, image });
  await startClientPod({ ...labelled, image, labels: CLIENT_LABEL });
  await startClientPod({ ...otherNamespace, image, labels: CLIENT_LABEL });
  await startClientPod({ ...noEgress, image, labels: CLIENT_LABEL });
});

after(async () => {
  figure('NetworkPolicy checks from client pods', `${counts.connected + counts.refused} (${counts.connected} connected, ${counts.refused} refused, as expected)`);
  await kubectl('delete', 'pod', '-n', NS, unlabelled.pod, labelled.pod, '--ignore-not-found', '--wait=false');
  for (const ns of [OTHER_NS, DENY_NS]) await kubectl('delete', 'namespace', ns, '--ignore-not-found', '--wait=true', '--timeout=180s');
});

test('on 9876, a pod of the namespace without the client label is refused and a labelled one gets its answer', async () => {
  for (const pod of mehdb) {
    await expectReach(unlabelled, status(pod), 'timeout', 'no mehdb-client label');
    await expectReach(labelled, status(pod), 'http 200', 'mehdb-client: "true"');
  }
});

test('a labelled pod in another namespace is refused (the client selector is the namespace\'s own)', async () => {
  await expectReach(otherNamespace, status(mehdb[0]), 'timeout', 'labelled, other namespace');
  await expectReach(labelled, status(mehdb[0]), 'http 200', 'labelled, same namespace');
});

test('mehdb peers still replicate, and reach nothing else (the provisioner\'s NFS port is refused to them)', async () => {
  await expectReach(from(mehdb[1]), tcp(`${ip(mehdb[0])}:${PORT}`), 'connected', 'peer to peer');
  await expectReach(from(mehdb[1]), tcp(`${await nfsServiceAddress()}:2049`), 'timeout', 'egress of mehdb: no NFS');
  const leaderReply = await Promise.all(mehdb.map((p) => put(ip(p), 'netpol-replicated', 'yes')));
  assert.ok(leaderReply.some((r) => r.status === 200), `the leader acknowledged a write, so its followers pulled it: ${leaderReply.map((r) => r.status)}`);
});

test('DNS resolves from mehdb; a pod whose egress admits nothing gets no answer', async () => {
  await expectReach(from(mehdb[0]), clusterName(), `resolved ${apiClusterIp}`, 'egress of mehdb: DNS');
  await expectReach(noEgress, clusterName(), 'timeout', 'egress denied');
});

test('the provisioner reaches the API server (it binds a new claim); a pod whose egress admits nothing does not', async () => {
  await applyObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'netpol-claim', namespace: NS },
    spec: { accessModes: ['ReadWriteMany'], storageClassName: 'nfs-dynamic', resources: { requests: { storage: '1Mi' } } } });
  await claimsBound(['netpol-claim'], 60_000);
  await kubectl('delete', 'pvc', '-n', NS, 'netpol-claim', '--wait=true');
  await expectReach(noEgress, tcp(`${apiClusterIp}:443`), 'timeout', 'egress denied: the kubernetes Service');
  await expectReach(from(mehdb[0]), tcp(`${apiClusterIp}:443`), 'connected', 'egress of mehdb: the API server');
});

test('NFS is open to the nfsClientCidrs only: a pod inside them connects, and none once they are narrowed to the nodes', async () => {
  const nfs = tcp(`${await nfsServiceAddress()}:2049`);
  await expectReach(labelled, nfs, 'connected', 'pod address in 10.0.0.0/8 (the default nfsClientCidrs)');
  await kubectl('patch', 'networkpolicy', 'nfs-provisioner', '-n', NS, '--type=json', '-p',
    JSON.stringify([{ op: 'replace', path: '/spec/ingress/0/from', value: [{ ipBlock: { cidr: '10.99.0.0/24' } }] }]));
  try {
    await waitFor('the narrowed policy enforced', 15_000, async () => (await reach(labelled, [nfs]))[0] === 'timeout');
    await expectReach(labelled, nfs, 'timeout', 'nfsClientCidrs narrowed to the nodes\' 10.99.0.0/24');
  } finally {
    await kubectl('apply', '-f', MANIFESTS);
  }
  await waitFor('the default policy back', 15_000, async () => (await reach(labelled, [nfs]))[0] === 'connected');
});

test('metrics: a scraper with the client label gets /metrics; without it, it is refused', async () => {
  await expectReach(labelled, web(ip(mehdb[0]), PORT, '/metrics'), 'http 200', 'labelled scraper');
  await expectReach(unlabelled, web(ip(mehdb[0]), PORT, '/metrics'), 'timeout', 'unlabelled scraper');
});

test('with networkPolicy: false, the unlabelled pod and the other namespace get through', async () => {
  const work = mkdtempSync(join(tmpdir(), 'mehdb-netpol-'));
  try {
    writeFileSync(join(work, 'config.json'), JSON.stringify({ mehdb: { networkPolicy: false }, storage: { networkPolicy: false } }));
    await run('env', [`MEHDB_CONFIG=${join(work, 'config.json')}`, 'npm', 'run', '--silent', '--prefix', REPO_DIR, 'synth', '--', '--output', join(work, 'out')], 120_000);
    const yaml = readdirSync(join(work, 'out')).map((f) => readFileSync(join(work, 'out', f), 'utf8')).join('\n');
    assert.doesNotMatch(yaml, /^kind: NetworkPolicy$/m, 'networkPolicy: false renders no NetworkPolicy');
    await kubectl('apply', '-f', join(work, 'out'));
    // kubectl apply does not prune: the policies the new output no longer has are deleted as such.
    await kubectl('delete', 'networkpolicy', '-n', NS, 'mehdb', 'nfs-provisioner');
    await waitFor('no policy enforced', 15_000, async () => (await reach(unlabelled, [status(mehdb[0])]))[0] === 'http 200');
    await expectReach(unlabelled, status(mehdb[0]), 'http 200', 'no NetworkPolicy');
    await expectReach(otherNamespace, status(mehdb[0]), 'http 200', 'no NetworkPolicy');
  } finally {
    rmSync(work, { recursive: true, force: true });
    await kubectl('apply', '-f', MANIFESTS);
  }
  await waitFor('dist/\'s policy enforced again', 15_000, async () => (await reach(unlabelled, [status(mehdb[0])]))[0] === 'timeout');
});

test('the enforcer fails closed: stopped, even an admitted connection is dropped; started again, it connects', async () => {
  try {
    await fault('enforcer-stop');
    await expectReach(labelled, status(mehdb[0]), 'timeout', 'no enforcer reads the queue');
  } finally {
    await fault('enforcer-start');
  }
  await expectReach(labelled, status(mehdb[0]), 'http 200', 'enforcer back');
});
