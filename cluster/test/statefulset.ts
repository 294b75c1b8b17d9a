/** The datastore's StatefulSet as the cluster tests handle it: its pods, and removing it. */
import { strict as assert } from 'node:assert';
import * as k8s from '@kubernetes/client-node';
import { core, kubectl, waitFor } from './harness';

/** The namespace of the default preset (and of the production variant the tests apply). */
export const NS = 'mehdb';

/** The datastore's pods in the namespace. */
export async function mehdbPods(): Promise<k8s.V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/name=mehdb' })).items;
}

/**
 * Deletes the StatefulSet and every claim of the namespace, and waits until the provisioner has
 * deleted their volumes (reclaim policy Delete). The provisioner's RBAC stays.
 */
export async function deleteStatefulSetAndClaims(): Promise<void> {
  const volumes = (await core.listPersistentVolume()).items
    .filter((v) => v.spec?.claimRef?.namespace === NS).map((v) => v.metadata!.name!);
  assert.ok(volumes.length >= 2, `volumes of ${NS}: ${volumes.join(', ')}`);
  await kubectl('delete', 'statefulset', 'mehdb', '-n', NS, '--wait=true');
  await waitFor('the mehdb pods gone', 120_000, async () => (await mehdbPods()).length === 0);
  await kubectl('delete', 'pvc', '-n', NS, '--all', '--wait=true');
  await waitFor('the volumes deleted by the provisioner (reclaim policy Delete)', 120_000, async () => {
    const names = new Set((await core.listPersistentVolume()).items.map((v) => v.metadata!.name));
    return volumes.every((v) => !names.has(v));
  });
}
