/**
 * The README's second teardown step, after the StatefulSet and its claims are gone (3-lifecycle,
 * 4-production): `kubectl delete -f dist/` leaves no object of the manifests and no volume.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { MANIFESTS, REPO_DIR, core, kubectl, run, waitFor } from './harness';
import { NS } from './statefulset';


test('kubectl delete -f dist/ removes every object of the manifests, and no volume is left behind', async () => {
  await kubectl('delete', '-f', MANIFESTS, '--ignore-not-found', '--wait=true', '--timeout=180s');
  await waitFor(`namespace ${NS} gone`, 180_000, async () => {
    try { await core.readNamespace({ name: NS }); return false; } catch { return true; }
  });
  const left = await kubectl('get', '-f', MANIFESTS, '--ignore-not-found', '-o', 'name');
  assert.equal(left.trim(), '', 'no object of the manifests is left');
  const volumes = (await core.listPersistentVolume()).items.map((v) => v.metadata!.name);
  assert.deepEqual(volumes, [], 'no volume is left');
});

test('the provisioner starts again with a token of the account as it is now, so that the next apply gets volumes', async () => {
  // Its token was bound to the ServiceAccount that the delete removed (later applies: 7-faults, 8-failover, 99).
  await run('bash', [`${REPO_DIR}/cluster/provisioner.sh`, 'restart'], 180_000);
  const sa = await core.readNamespacedServiceAccount({ namespace: NS, name: 'nfs-provisioner' });
  assert.ok(sa.metadata?.uid, 'the account exists again, as kubectl apply -f dist/ will adopt it');
});
