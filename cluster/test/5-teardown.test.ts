/**
 * The README's second teardown step, after the StatefulSet and its claims are gone (3-lifecycle,
 * 4-production): `kubectl delete -f dist/` leaves no object of the manifests and no volume.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { MANIFESTS, core, kubectl, waitFor } from './harness';
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
