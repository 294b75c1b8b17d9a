/**
 * Runs last (run.js runs the files in name order; keep this name sorting after every other):
 * a worker running a datastore pod loses power and stays off, so the run's teardown
 * (cluster_down in cluster/test-cluster.sh) meets a dead node beside live ones, as in issue 14,
 * where a power cut made `cluster:down` stop after its first step. test-cluster.sh fails the
 * run when that teardown leaves a process, a cgroup folder, the veth or a mount behind.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { applyManifests, fault } from './harness';
import { readyPod } from './mehdb-api';
import { NS, mehdbPods } from './statefulset';

test('a node running a datastore pod loses power, and stays off for the teardown', async () => {
  if ((await mehdbPods()).length === 0) await applyManifests(NS, 'data-mehdb-0');
  const pod = await readyPod(NS, 'mehdb-0', 180_000);
  const node = pod.spec!.nodeName!;
  const others = (await mehdbPods()).filter((p) => p.spec?.nodeName !== node);
  console.log(`cutting the power of ${node} (mehdb-0); still running elsewhere: ${others.map((p) => p.metadata!.name).join(', ') || 'nothing'}`);
  await fault('power-cut', node);
  assert.match(await fault('list'), new RegExp(`^MEHDB-POWER-${node}$`, 'm'));
});
