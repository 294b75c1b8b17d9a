/**
 * Day-two operations on the running datastore (default preset, after 2-mehdb): scaling out,
 * a rolling restart under the PodDisruptionBudget, a drain the budget holds back, a claim's
 * deletion, and `kubectl delete -f`. In order; each leaves the StatefulSet healthy.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { NFS_ADDR, PROVISIONER_KIND, STATE, core, figure, isReady, kubectl, run, waitFor } from './harness';
import { caughtUp, keys, put, readyPod, writeKeys } from './mehdb-api';
import { NS, deleteStatefulSetAndClaims, mehdbPods } from './statefulset';

const CATCH_UP_KEYS = 2000;
const ip = (pod: k8s.V1Pod) => pod.status!.podIP!;
const leader = () => readyPod(NS, 'mehdb-0', 60_000);


test(`scale to 3: mehdb-2 starts on the third node and reaches the leader's full key set (${CATCH_UP_KEYS} keys written before)`, async () => {
  const l = await leader();
  await writeKeys(ip(l), 'before-scale', CATCH_UP_KEYS);
  const want = await keys(ip(l));
  const start = Date.now();
  await kubectl('scale', 'statefulset', 'mehdb', '-n', NS, '--replicas=3');
  const pod = await readyPod(NS, 'mehdb-2', 180_000);
  const ready = (Date.now() - start) / 1000;
  await caughtUp(ip(pod), want, 60_000);
  figure(`scale to 3 until mehdb-2 holds all ${want.length} keys`, `${((Date.now() - start) / 1000).toFixed(1)} s (Ready after ${ready.toFixed(1)} s)`);
  const nodes = new Set((await mehdbPods()).map((p) => p.spec!.nodeName));
  assert.equal(nodes.size, 3, 'three pods on three distinct nodes');
});

test('rolling restart: pods replaced in reverse ordinal order, never more than one unavailable, every key kept', async () => {
  const want = await keys(ip(await leader()));
  const uids = new Map((await mehdbPods()).map((p) => [p.metadata!.name!, p.metadata!.uid!]));
  const replaced: string[] = [];
  let worstUnavailable = 0;
  await kubectl('rollout', 'restart', 'statefulset/mehdb', '-n', NS);
  await waitFor('the rollout to replace all three pods', 300_000, async () => {
    const pods = await mehdbPods();
    worstUnavailable = Math.max(worstUnavailable, 3 - pods.filter(isReady).length);
    for (const p of pods) {
      const name = p.metadata!.name!;
      if (p.metadata!.uid !== uids.get(name) && !replaced.includes(name)) replaced.push(name);
    }
    return replaced.length === 3 && pods.filter(isReady).length === 3;
  }, 250);
  assert.deepEqual(replaced, ['mehdb-2', 'mehdb-1', 'mehdb-0']);
  assert.ok(worstUnavailable <= 1, `at most one pod unavailable at a time (saw ${worstUnavailable})`);
  const l = await leader();
  for (const p of await mehdbPods()) await caughtUp(ip(p), want, 60_000);
  assert.equal((await put(ip(l), 'after-rollout', 'x')).status, 200, 'writes resume');
});

test('kubectl drain of a node running mehdb is held back by the PodDisruptionBudget while another mehdb pod is not ready', async () => {
  const pods = await mehdbPods();
  const twoNode = pods.find((p) => p.metadata!.name === 'mehdb-2')!.spec!.nodeName!;
  const oneNode = pods.find((p) => p.metadata!.name === 'mehdb-1')!.spec!.nodeName!;
  // mehdb-2 cannot come back: its node is cordoned and the other nodes hold mehdb-0 and mehdb-1.
  await kubectl('cordon', twoNode);
  try {
    await kubectl('delete', 'pod', '-n', NS, 'mehdb-2', '--wait=true');
    await waitFor('mehdb-2 Pending', 60_000, async () =>
      (await core.readNamespacedPod({ namespace: NS, name: 'mehdb-2' })).status?.phase === 'Pending');
    await assert.rejects(
      kubectl('drain', oneNode, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=20s'),
      /disruption budget|global timeout/i);
    const one = await core.readNamespacedPod({ namespace: NS, name: 'mehdb-1' });
    assert.ok(isReady(one) && one.spec!.nodeName === oneNode, 'mehdb-1 was not evicted');
  } finally {
    await kubectl('uncordon', oneNode);
    await kubectl('uncordon', twoNode);
  }
  await readyPod(NS, 'mehdb-2', 180_000);
});

test('scale back to 2 and delete the released claim: the provisioner removes its volume, export and folder', async () => {
  await kubectl('scale', 'statefulset', 'mehdb', '-n', NS, '--replicas=2');
  await waitFor('mehdb-2 gone', 120_000, async () => !(await mehdbPods()).some((p) => p.metadata!.name === 'mehdb-2'));
  const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: 'data-mehdb-2' });
  const pvName = pvc.spec!.volumeName!;
  const pv = await core.readPersistentVolume({ name: pvName });
  const folder = `${STATE}/export/${pv.spec!.nfs!.path.split('/').pop()}`;
  assert.ok(existsSync(folder));
  await kubectl('delete', 'pvc', '-n', NS, 'data-mehdb-2', '--wait=true');
  await waitFor(`volume ${pvName} deleted`, 120_000, async () => {
    try { await core.readPersistentVolume({ name: pvName }); return false; } catch { return true; }
  });
  await waitFor(`folder ${folder} removed`, 30_000, async () => !existsSync(folder));
  if (PROVISIONER_KIND === 'real') {
    await assert.rejects(run('nfs-ls', [`nfs://${NFS_ADDR}${pv.spec!.nfs!.path}?version=4`]), 'no longer exported');
  }
});

test('the README\'s first teardown step: the StatefulSet and its claims go, and the provisioner deletes their volumes', async () => {
  await deleteStatefulSetAndClaims();
});
