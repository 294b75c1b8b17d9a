/**
 * The faults failover trials build on (cluster/fault.sh), on the committed dist/'s pods: mehdb-0
 * partitioned (cut off from its peers on its node's bridge and on other nodes, from the API
 * server and from DNS, while this host and its kubelet still reach it) and healed, then a node's power cut
 * (kubelet, containerd, shims and containers killed at once; the node goes NotReady by itself)
 * and power on (Ready again, its pod Running). Each is checked both ways. Leaves dist/ applied,
 * mehdb-0 and mehdb-1 Ready and every node up.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import {
  DNS_ADDR, MANIFESTS, STATE, applyManifests, apps, containerPid, core, fault, figure, isReady, kubectl, nodeReady, run, secondsSince, waitFor,
} from './harness';
import { Target, dnsName, reach as reachFrom, startClientPod, tcp, web as webTarget } from './reach';
import { PORT, readyPod } from './mehdb-api';
import { NS } from './statefulset';

const ip = (pod: k8s.V1Pod) => pod.status!.podIP!;
/** The API server's own address (the ClusterIP of the `kubernetes` Service leads there too). */
const API_ADDR = '10.99.0.2:6443';
const PROBE_POD = 'fault-probe';

/** GET /status of the datastore on `host`. */
const web = (host: string) => webTarget(host, PORT, '/status');
const clusterName = dnsName(DNS_ADDR, 'kubernetes.default.svc.cluster.local');
const reach = (pod: string | undefined, targets: Target[]) => reachFrom(pod ? { namespace: NS, pod } : undefined, targets);

let mehdb0: k8s.V1Pod;
let mehdb1: k8s.V1Pod;
let apiClusterIp: string;

before(async () => {
  await applyManifests(NS, 'data-mehdb-0');
  const replicas = (await apps.readNamespacedStatefulSet({ namespace: NS, name: 'mehdb' })).spec!.replicas!;
  assert.ok(replicas >= 2, `the StatefulSet of ${MANIFESTS} runs ${replicas} pods; these tests need two`);
  for (let i = 0; i < replicas; i++) await readyPod(NS, `mehdb-${i}`, 180_000);
  mehdb0 = await readyPod(NS, 'mehdb-0', 10_000);
  mehdb1 = await readyPod(NS, 'mehdb-1', 10_000);
  apiClusterIp = (await core.readNamespacedService({ namespace: 'default', name: 'kubernetes' })).spec!.clusterIP!;
});

/**
 * A pod of the datastore's image on `node`, idle, to reach others from that node's bridge. It
 * carries the client label: the NetworkPolicy of dist/ (enforced here) admits it, so only the
 * fault can cut it off.
 */
async function startProbePod(node: string, image: string): Promise<void> {
  await startClientPod({ namespace: NS, pod: PROBE_POD, node, image, labels: { 'mehdb-client': 'true' } });
}

test('partition of mehdb-0: no peer (bridged or routed), API server or DNS, only this host and its kubelet; heal restores all', async () => {
  const cut = ip(mehdb0);
  await startProbePod(mehdb0.spec!.nodeName!, mehdb0.spec!.containers[0].image!);
  const fromCut = [tcp(`${apiClusterIp}:443`), tcp(API_ADDR), clusterName, web(ip(mehdb1))];
  const check = async (state: string, want: { peers: string; own: string[] }) => {
    assert.deepEqual(await reach(PROBE_POD, [web(cut)]), [want.peers], `${state}: from a pod on mehdb-0's node (bridge)`);
    assert.deepEqual(await reach('mehdb-1', [web(cut)]), [want.peers], `${state}: from mehdb-1 on another node`);
    assert.deepEqual(await reach('mehdb-0', fromCut), want.own,
      `${state}: from mehdb-0 to ${apiClusterIp}:443, ${API_ADDR}, DNS ${DNS_ADDR}, mehdb-1`);
    assert.deepEqual(await reach(undefined, [web(cut)]), ['http 200'], `${state}: from this host`);
  };
  const open = { peers: 'http 200', own: ['connected', 'connected', `resolved ${apiClusterIp}`, 'http 200'] };
  try {
    await check('before', open);
    await fault('partition', cut);
    assert.match(await fault('list'), new RegExp(`^MEHDB-PART-${cut.replace(/\./g, '\\.')}$`, 'm'));
    await check('partitioned', { peers: 'timeout', own: ['timeout', 'timeout', 'timeout', 'timeout'] });
    // Its own node's kubelet still reaches it (its probes): the node's bridge address as source.
    const gateway = `${cut.split('.').slice(0, 3).join('.')}.1`;
    await run('nsenter', ['--target', readFileSync(`${STATE}/holder.pid`, 'utf8').trim(), '--net',
      'curl', '-fsS', '--max-time', '3', '--interface', gateway, `http://${cut}:${PORT}/status`]);
  } finally {
    await fault('heal', cut).catch((err) => console.log(`heal ${cut} failed: ${String(err)}`));
  }
  assert.doesNotMatch(await fault('list'), /MEHDB-PART-/);
  await check('healed', open);
  await kubectl('delete', 'pod', '-n', NS, PROBE_POD, '--wait=false');
});

/** The PIDs in a node's cgroup folders (the pids hierarchy), read recursively; none if absent. */
function nodeCgroupPids(node: string): number[] {
  const walk = (dir: string): number[] => {
    try {
      const own = readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
      return own.concat(...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => walk(`${dir}/${e.name}`)));
    } catch {
      return []; // a folder a runtime removed meanwhile
    }
  };
  return walk(`/sys/fs/cgroup/pids/mehdb-cluster/${node}`);
}

const running = (pid: number) => existsSync(`/proc/${pid}/stat`) && !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

test('power cut of mehdb-1\'s node: all its processes die at once, it goes NotReady by itself; power on: Ready, mehdb-1 Running', async () => {
  const node = mehdb1.spec!.nodeName!;
  const pid = await containerPid(mehdb1);
  assert.ok(nodeCgroupPids(node).length > 0, 'the node runs containers');
  const cut = Date.now();
  await fault('power-cut', node);
  assert.ok(!running(pid), 'mehdb-1\'s process is gone');
  assert.deepEqual(nodeCgroupPids(node), [], 'no process left in the node\'s cgroups');
  const pod = await core.readNamespacedPod({ namespace: NS, name: 'mehdb-1' });
  assert.equal(pod.metadata!.uid, mehdb1.metadata!.uid, 'the API was not told: same pod');
  assert.equal(pod.status!.phase, 'Running', 'the API was not told: still Running');
  assert.deepEqual(await reach(undefined, [web(ip(mehdb1))]), ['timeout'], 'the dead pod\'s address answers nothing');
  await assert.rejects(fault('power-cut', node), /no power already/);

  await waitFor(`${node} NotReady`, 120_000, async () => (await nodeReady(node)) !== 'True');
  figure('power cut until the node is NotReady', secondsSince(cut));
  await waitFor('mehdb-1 marked not Ready by the control plane', 60_000, async () =>
    !isReady(await core.readNamespacedPod({ namespace: NS, name: 'mehdb-1' })));
  const on = Date.now();
  await fault('power-on', node);
  await waitFor(`${node} Ready`, 120_000, async () => (await nodeReady(node)) === 'True');
  figure('power on until the node is Ready', secondsSince(on));
  const back = await readyPod(NS, 'mehdb-1', 180_000);
  figure('power on until mehdb-1 is Running and Ready', secondsSince(on));
  assert.equal(back.metadata!.uid, mehdb1.metadata!.uid, 'the same pod, started again by its kubelet');
  assert.equal(back.spec!.nodeName, node);
  assert.deepEqual(await reach(undefined, [web(ip(back))]), ['http 200'], 'mehdb-1 answers on its address');
  await assert.rejects(fault('power-on', node), /has power/);
  mehdb1 = back;
});
