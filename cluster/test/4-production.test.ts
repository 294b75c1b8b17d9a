/**
 * The production settings on real nodes: the `default-production` config variant of the app's
 * tests (three replicas started in parallel, spread over hosts, electing their leader through
 * the Lease, WaitForFirstConsumer volumes, claim labels, extra env, a startup probe, a
 * minAvailable budget, a partitioned rolling update, claims deleted when scaled in) replaces the
 * default StatefulSet in the same namespace, where the provisioner keeps running. Its preferred
 * anti-affinity lets a fourth pod run: a read replica, never elected.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { PRODUCTION_OVERRIDES } from '../../test/fixtures/config-variants';
import { REPO_DIR, containerPid, core, isReady, kubectl, procFile, run, storage, waitFor } from './harness';
import { callFollowing, caughtUp, get, keys, leaderPod, metric, put, readyPod, status, writeKeys } from './mehdb-api';
import { NS, VOTERS, deleteStatefulSetAndClaims, leaseText, mehdbPods, podDnsName, readLease, watchLease } from './statefulset';

const work = mkdtempSync(join(tmpdir(), 'mehdb-production-'));
const manifests = join(work, 'dist');
const settings = PRODUCTION_OVERRIDES.mehdb!;
let pods: k8s.V1Pod[] = [];
const byName = (name: string) => pods.find((p) => p.metadata!.name === name)!;
const ip = (pod: k8s.V1Pod) => pod.status!.podIP!;
const nameOf = (pod: k8s.V1Pod) => pod.metadata!.name!;

before(async () => {
  writeFileSync(join(work, 'production.json'), JSON.stringify(PRODUCTION_OVERRIDES));
  await run('env', [`MEHDB_CONFIG=${join(work, 'production.json')}`, 'npm', 'run', '--silent', '--prefix', REPO_DIR,
    'synth', '--', '--output', manifests], 120_000);
  await kubectl('create', 'priorityclass', settings.priorityClassName!, '--value=100000');
  // A StorageClass's binding mode (like its parameters and reclaim policy) cannot change in place:
  // the class goes first, as it must on any cluster (no claim uses it any more).
  await kubectl('delete', 'storageclass', 'nfs-dynamic', '--ignore-not-found');
  await kubectl('apply', '-f', manifests);
  pods = await waitFor('three mehdb pods Ready', 240_000, async () => {
    const all = await mehdbPods();
    return all.length === settings.replicas && all.every(isReady) ? all : undefined;
  });
});

after(async () => {
  await deleteStatefulSetAndClaims();
  await kubectl('delete', 'priorityclass', settings.priorityClassName!, '--ignore-not-found');
  rmSync(work, { recursive: true, force: true });
});

test('Parallel pod management starts all three pods at once, spread one per host', async () => {
  const created = pods.map((p) => new Date(p.metadata!.creationTimestamp!).getTime());
  assert.ok(Math.max(...created) - Math.min(...created) <= 3000, `created within 3 s: ${created}`);
  assert.equal(new Set(pods.map((p) => p.spec!.nodeName)).size, 3);
  for (const p of pods) {
    assert.equal(p.spec!.priorityClassName, settings.priorityClassName);
    assert.ok(p.spec!.priority! >= 100000, 'priority resolved from the PriorityClass');
    assert.ok(p.spec!.containers[0].startupProbe, 'startup probe');
  }
});

test('WaitForFirstConsumer: the claims carry their labels and are Bound by the real provisioner once scheduled', async () => {
  const sc = (await storage.listStorageClass()).items.find((c) => c.provisioner && c.volumeBindingMode === 'WaitForFirstConsumer');
  assert.ok(sc, 'a WaitForFirstConsumer StorageClass');
  assert.equal(sc!.metadata!.annotations!['storageclass.kubernetes.io/is-default-class'], 'true');
  assert.equal(sc!.allowVolumeExpansion, true);
  for (const p of pods) {
    const claim = await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: `data-${p.metadata!.name}` });
    assert.equal(claim.status!.phase, 'Bound');
    assert.equal(claim.metadata!.labels!.backup, 'daily');
    assert.equal(claim.metadata!.annotations!['volume.kubernetes.io/selected-node'], p.spec!.nodeName);
  }
});

test('extra env reaches the datastore process (the cache size, and warn-level logs with no info lines)', async () => {
  const environ = procFile(await containerPid(byName('mehdb-0')), 'environ').split('\0');
  assert.ok(environ.includes('MEHDB_CACHE_BYTES=134217728'), 'MEHDB_CACHE_BYTES in the environment');
  const lines = (await kubectl('logs', '-n', NS, 'mehdb-0')).split('\n').filter(Boolean);
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { level: string }).level).filter((l) => l === 'info'), []);
});

test('the budget is minAvailable 2: with three Ready pods one disruption is allowed', async () => {
  const pdb = await waitFor('the budget observed', 30_000, async () => {
    const list = await kubectl('get', 'pdb', '-n', NS, '-o', 'json');
    const item = (JSON.parse(list) as { items: k8s.V1PodDisruptionBudget[] }).items[0];
    return item?.status?.currentHealthy === 3 ? item : undefined;
  });
  assert.equal(pdb.spec!.minAvailable, 2);
  assert.equal(pdb.status!.disruptionsAllowed, 1);
});

test('the leader (the Lease holder) replicates to both followers, and a partitioned rollout (partition 1) leaves mehdb-0 alone', async () => {
  const leader = await leaderPod(60_000);
  const written = await writeKeys(ip(leader), 'production', 100);
  for (const p of pods.filter((x) => nameOf(x) !== nameOf(leader))) await caughtUp(ip(p), written, 60_000);
  const uid0 = byName('mehdb-0').metadata!.uid;
  const before = (await readLease())!;
  await kubectl('rollout', 'restart', 'statefulset/mehdb', '-n', NS);
  const replaced = await waitFor('mehdb-1 and mehdb-2 replaced and Ready', 240_000, async () => {
    const now = await mehdbPods();
    const fresh = now.filter((p) => !pods.some((old) => old.metadata!.uid === p.metadata!.uid));
    return fresh.length === 2 && now.every(isReady) ? now : undefined;
  });
  assert.equal(replaced.find((p) => nameOf(p) === 'mehdb-0')!.metadata!.uid, uid0, 'mehdb-0 kept (below the partition)');
  pods = replaced;
  const after = await leaderPod(60_000);
  console.log(`partitioned rollout: ${leaseText(before)} -> ${leaseText(await readLease())}`);
  assert.equal((await put(ip(after), 'after-partitioned-rollout', 'x')).status, 200);
  for (const p of pods.filter((x) => nameOf(x) !== nameOf(after))) {
    await caughtUp(ip(p), [...written, 'after-partitioned-rollout'], 60_000);
    assert.equal((await get(ip(p), 'production-0')).body, 'value of production-0');
  }
  assert.ok((await keys(ip(byName('mehdb-2')))).length >= written.length);
});

test('scale to 4 on three workers: mehdb-3 stays Pending, as the host spread (DoNotSchedule) counts the tainted control-plane node as an empty domain; the Lease does not move', async () => {
  const holder = (await readLease())!.holder;
  await kubectl('scale', 'statefulset', 'mehdb', '-n', NS, `--replicas=${VOTERS + 1}`);
  // nodeTaintsPolicy defaults to Ignore: `master` (0 pods) is a domain, so a fourth pod on any
  // worker would make the skew 2.
  await waitFor('mehdb-3 unschedulable by the topology spread', 60_000, async () => {
    const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=mehdb-3,reason=FailedScheduling' });
    return events.items.some((e) => /topology spread/i.test(e.message ?? ''));
  });
  assert.equal((await core.readNamespacedPod({ namespace: NS, name: 'mehdb-3' })).status?.phase, 'Pending');
  assert.equal((await readLease())!.holder, holder);
  assert.equal((await put(ip(await leaderPod(60_000)), 'while-mehdb-3-pending', 'x')).status, 200);
});

test('with the control-plane node out of the spread, mehdb-3 runs as a read replica (catches up, redirects writes, never elected, not even when the leader\'s pod goes); scaled back, its claim goes (whenScaled: Delete)', async () => {
  // As on a cluster whose control plane is no Node: `master` loses the spread's topology key
  // (kubernetes.io/hostname), so it is no domain. Not its kubernetes.io/os label, which the pods
  // select: a real kubelet puts that one back at its next status update.
  await kubectl('label', 'node', 'master', 'kubernetes.io/hostname-');
  const lease = watchLease();
  try {
    // The scheduler does not retry mehdb-3 for that change (the spread's queueing hint looks
    // only at topology-key labels and taints): a new mehdb-3 is scheduled afresh.
    await kubectl('delete', 'pod', '-n', NS, 'mehdb-3', '--wait=true');
    const replica = await readyPod(NS, 'mehdb-3', 180_000);
    let leader = await leaderPod(60_000);
    const written = await writeKeys(ip(leader), 'read-replica', 100);
    await caughtUp(ip(replica), await keys(ip(leader)), 60_000);
    assert.equal(await status(ip(replica)), 'follower');
    const redirect = await put(ip(replica), 'to-read-replica', 'x');
    assert.equal(redirect.status, 307);
    assert.equal(new URL(redirect.location!).hostname, podDnsName(nameOf(leader)));
    assert.equal((await callFollowing(ip(replica), 'PUT', '/set/to-read-replica', 'x')).reply.status, 200);
    // The leader's pod goes: one of the two other voters takes over, and the read replica follows it.
    const old = nameOf(leader);
    await kubectl('delete', 'pod', '-n', NS, old, '--wait=false');
    leader = await leaderPod(60_000, old);
    assert.equal((await put(ip(leader), 'after-leader-deleted', 'x')).status, 200);
    await caughtUp(ip(replica), [...written, 'to-read-replica', 'after-leader-deleted'], 60_000);
    await readyPod(NS, old, 180_000);
    assert.equal(await metric(ip(replica), 'mehdb_leader_changes_total'), 0, 'mehdb-3 never led');
    assert.equal(await metric(ip(replica), `mehdb_leader{holder="${nameOf(leader)}"}`), 1, 'mehdb-3 knows the new leader');
  } finally {
    lease.stop();
    await kubectl('label', 'node', 'master', 'kubernetes.io/hostname=master');
  }
  console.log(`Lease holders seen: ${lease.holders().join(' -> ')}`);
  assert.ok(!lease.holders().includes('mehdb-3'), `mehdb-3 never held the Lease: ${lease.holders().join(', ')}`);
  await kubectl('scale', 'statefulset', 'mehdb', '-n', NS, `--replicas=${VOTERS}`);
  await waitFor('mehdb-3 and its claim gone (persistentVolumeClaimRetentionPolicy whenScaled: Delete)', 120_000, async () => {
    const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items.map((c) => c.metadata!.name);
    return !(await mehdbPods()).some((p) => nameOf(p) === 'mehdb-3') && !claims.includes('data-mehdb-3');
  });
  pods = await waitFor('three mehdb pods Ready', 120_000, async () => {
    const all = await mehdbPods();
    return all.length === VOTERS && all.every(isReady) ? all : undefined;
  });
});
