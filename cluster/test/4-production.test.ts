/**
 * The production settings on real nodes: the `default-production` config variant of the app's
 * tests (three replicas started in parallel, spread over hosts, WaitForFirstConsumer volumes,
 * claim labels, extra env, a startup probe, a minAvailable budget, a partitioned rolling update)
 * replaces the default StatefulSet in the same namespace, where the provisioner keeps running.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { PRODUCTION_OVERRIDES } from '../../test/fixtures/config-variants';
import { REPO_DIR, containerPid, core, isReady, kubectl, procFile, run, storage, waitFor } from './harness';
import { caughtUp, get, keys, put, writeKeys } from './mehdb-api';
import { NS, deleteStatefulSetAndClaims, mehdbPods } from './statefulset';

const work = mkdtempSync(join(tmpdir(), 'mehdb-production-'));
const manifests = join(work, 'dist');
const settings = PRODUCTION_OVERRIDES.mehdb!;
let pods: k8s.V1Pod[] = [];
const byName = (name: string) => pods.find((p) => p.metadata!.name === name)!;
const ip = (pod: k8s.V1Pod) => pod.status!.podIP!;

before(async () => {
  writeFileSync(join(work, 'production.json'), JSON.stringify(PRODUCTION_OVERRIDES));
  await run('env', [`MEHDB_CONFIG=${join(work, 'production.json')}`, 'npm', 'run', '--silent', '--prefix', REPO_DIR,
    'synth', '--', '--output', manifests], 120_000);
  await kubectl('create', 'priorityclass', settings.priorityClassName!, '--value=100000');
  // A StorageClass's binding mode (like its parameters and reclaim policy) cannot change in place:
  // the class goes first, as it must on any cluster (no claim uses it any more).
  await kubectl('delete', 'storageclass', 'nfs-dynamic');
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

test('the leader replicates to both followers, and a partitioned rollout (partition 1) leaves mehdb-0 alone', async () => {
  const written = await writeKeys(ip(byName('mehdb-0')), 'production', 100);
  for (const p of ['mehdb-1', 'mehdb-2']) await caughtUp(ip(byName(p)), written, 60_000);
  const uid0 = byName('mehdb-0').metadata!.uid;
  await kubectl('rollout', 'restart', 'statefulset/mehdb', '-n', NS);
  const replaced = await waitFor('mehdb-1 and mehdb-2 replaced and Ready', 240_000, async () => {
    const now = await mehdbPods();
    const fresh = now.filter((p) => !pods.some((old) => old.metadata!.uid === p.metadata!.uid));
    return fresh.length === 2 && now.every(isReady) ? now : undefined;
  });
  assert.equal(replaced.find((p) => p.metadata!.name === 'mehdb-0')!.metadata!.uid, uid0, 'mehdb-0 kept (below the partition)');
  pods = replaced;
  assert.equal((await put(ip(byName('mehdb-0')), 'after-partitioned-rollout', 'x')).status, 200);
  for (const p of ['mehdb-1', 'mehdb-2']) {
    await caughtUp(ip(byName(p)), [...written, 'after-partitioned-rollout'], 60_000);
    assert.equal((await get(ip(byName(p)), 'production-0')).body, 'value of production-0');
  }
  assert.ok((await keys(ip(byName('mehdb-2')))).length >= written.length);
});
