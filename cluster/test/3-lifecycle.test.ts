/**
 * Day-two operations on the running datastore (default preset, three replicas electing a leader,
 * after 2-mehdb): scaling in and out again, a rolling restart under the PodDisruptionBudget, a
 * drain the budget holds back, a pod past the three nodes, a claim's deletion, and the first
 * teardown step. In order; each leaves the StatefulSet healthy.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { STATE, core, figure, isReady, kubectl, run, secondsSince, waitFor } from './harness';
import { nfsUrl } from './provisioner';
import { caughtUp, keys, leaderPod, longestAckGap, put, readyPod, startWriteProbe, status, writeKeys } from './mehdb-api';
import { LEASE, NS, VOTERS, deleteStatefulSetAndClaims, leaseText, mehdbPods, readLease } from './statefulset';

const CATCH_UP_KEYS = 2000;
const ip = (pod: k8s.V1Pod) => pod.status!.podIP!;
const leader = () => leaderPod(60_000);

test(`scale to 2 and back to 3: the two left keep acknowledging writes, and mehdb-2 returns on its claim and catches up (${CATCH_UP_KEYS} keys written meanwhile)`, async () => {
  const before = (await readLease())!;
  await kubectl('scale', 'statefulset', 'mehdb', '-n', NS, '--replicas=2');
  await waitFor('mehdb-2 gone', 120_000, async () => !(await mehdbPods()).some((p) => p.metadata!.name === 'mehdb-2'));
  const l = await leader();
  console.log(`scaled to 2: ${leaseText(before)} -> ${leaseText(await readLease())}`);
  assert.notEqual(l.metadata!.name, 'mehdb-2');
  await writeKeys(ip(l), 'while-scaled-in', CATCH_UP_KEYS);
  const want = await keys(ip(l));
  const start = Date.now();
  await kubectl('scale', 'statefulset', 'mehdb', '-n', NS, `--replicas=${VOTERS}`);
  const pod = await readyPod(NS, 'mehdb-2', 180_000);
  const ready = (Date.now() - start) / 1000;
  await caughtUp(ip(pod), want, 60_000);
  figure(`scale back to 3 until mehdb-2 holds all ${want.length} keys (${CATCH_UP_KEYS} written while it was gone)`,
    `${secondsSince(start)} (Ready after ${ready.toFixed(1)} s)`);
  assert.equal(await status(ip(pod)), 'follower');
  const nodes = new Set((await mehdbPods()).map((p) => p.spec!.nodeName));
  assert.equal(nodes.size, 3, 'three pods on three distinct nodes');
});

test('rolling restart: pods replaced in reverse ordinal order, never more than one unavailable, leadership moves on, every key kept', async () => {
  const want = await keys(ip(await leader()));
  const before = (await readLease())!;
  const uids = new Map((await mehdbPods()).map((p) => [p.metadata!.name!, p.metadata!.uid!]));
  const replaced: string[] = [];
  let worstUnavailable = 0;
  let podIps: string[] = (await mehdbPods()).map(ip);
  const probe = startWriteProbe(() => podIps, 'probe-rollout');
  await kubectl('rollout', 'restart', 'statefulset/mehdb', '-n', NS);
  await waitFor('the rollout to replace all three pods', 300_000, async () => {
    const pods = await mehdbPods();
    podIps = pods.filter((p) => p.status?.podIP).map(ip);
    worstUnavailable = Math.max(worstUnavailable, 3 - pods.filter(isReady).length);
    for (const p of pods) {
      const name = p.metadata!.name!;
      if (p.metadata!.uid !== uids.get(name) && !replaced.includes(name)) replaced.push(name);
    }
    return replaced.length === 3 && pods.filter(isReady).length === 3;
  }, 250);
  const l = await leader();
  const writes = await probe.stop();
  const after = (await readLease())!;
  figure('kubectl rollout restart: writes unavailable at worst (longest gap between acknowledged writes, one sent every 100 ms)',
    `${(longestAckGap(writes) / 1000).toFixed(1)} s (${writes.filter((w) => w.acknowledged).length}/${writes.length} acknowledged; ` +
    `epoch ${before.epoch} -> ${after.epoch}, leaseTransitions ${before.transitions} -> ${after.transitions}, leader ${before.holder} -> ${after.holder})`);
  assert.deepEqual(replaced, ['mehdb-2', 'mehdb-1', 'mehdb-0']);
  assert.ok(worstUnavailable <= 1, `at most one pod unavailable at a time (saw ${worstUnavailable})`);
  assert.ok(after.epoch > before.epoch, `the leader's pod was replaced too: a new epoch (${leaseText(before)} -> ${leaseText(after)})`);
  for (const p of await mehdbPods()) await caughtUp(ip(p), want, 60_000);
  assert.equal((await put(ip(l), 'after-rollout', 'x')).status, 200, 'writes resume');
});

test('kubectl drain of a node running mehdb is held back by the PodDisruptionBudget while another mehdb pod is not ready; the other two still take writes', async () => {
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
    const l = await leader();
    assert.notEqual(l.metadata!.name, 'mehdb-2');
    assert.equal((await put(ip(l), 'while-mehdb-2-pending', 'x')).status, 200, 'one follower is enough to acknowledge');
  } finally {
    await kubectl('uncordon', oneNode);
    await kubectl('uncordon', twoNode);
  }
  await readyPod(NS, 'mehdb-2', 180_000);
});

test('scale to 4 on three nodes: mehdb-3 stays Pending (required anti-affinity) and never holds the Lease; scale back and delete its claim: the provisioner removes the volume, export and folder', async () => {
  const holder = (await readLease())!.holder;
  await kubectl('scale', 'statefulset', 'mehdb', '-n', NS, '--replicas=4');
  const claim = await waitFor('data-mehdb-3 Bound', 60_000, async () => {
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: 'data-mehdb-3' });
    return pvc.status?.phase === 'Bound' ? pvc : undefined;
  });
  // A pod first tried while its claim was still being provisioned ("unbound immediate
  // PersistentVolumeClaims") may wait minutes in the scheduler's queue: mehdb-3 is made anew.
  await kubectl('delete', 'pod', '-n', NS, 'mehdb-3', '--wait=true');
  const pod = await waitFor('mehdb-3 unschedulable (anti-affinity)', 60_000, async () => {
    const p = await core.readNamespacedPod({ namespace: NS, name: 'mehdb-3' });
    const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.uid=${p.metadata!.uid},reason=FailedScheduling` });
    return events.items.some((e) => /anti-affinity/i.test(e.message ?? '')) ? p : undefined;
  });
  assert.equal(pod.status?.phase, 'Pending');
  assert.equal((await readLease())!.holder, holder, `${LEASE} unchanged`);
  await kubectl('scale', 'statefulset', 'mehdb', '-n', NS, `--replicas=${VOTERS}`);
  await waitFor('mehdb-3 gone', 120_000, async () => !(await mehdbPods()).some((p) => p.metadata!.name === 'mehdb-3'));
  const pvName = claim.spec!.volumeName!;
  const pv = await core.readPersistentVolume({ name: pvName });
  const folder = `${STATE}/export/${pv.spec!.nfs!.path.split('/').pop()}`;
  assert.ok(existsSync(folder));
  await kubectl('delete', 'pvc', '-n', NS, 'data-mehdb-3', '--wait=true');
  await waitFor(`volume ${pvName} deleted`, 120_000, async () => {
    try { await core.readPersistentVolume({ name: pvName }); return false; } catch { return true; }
  });
  await waitFor(`folder ${folder} removed`, 30_000, async () => !existsSync(folder));
  await assert.rejects(run('nfs-ls', [await nfsUrl(pv)]), 'no longer exported');
  assert.equal((await put(ip(await leader()), 'after-scale-to-4', 'x')).status, 200);
});

test('the README\'s first teardown step: the StatefulSet and its claims go, and the provisioner deletes their volumes', async () => {
  await deleteStatefulSetAndClaims();
});
