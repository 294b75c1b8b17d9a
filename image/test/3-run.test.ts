// A leader and a follower of the built image in podman (runc), each as the StatefulSet runs it:
// user 65532, read-only root, no capabilities, its data on a volume. Each check waits for what
// it needs and writes its own key.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Containers, Datastore } from './datastore';
import { builtImage, podman } from './harness';

const VALUE = `hello from the image test ${process.pid}`;
// What a container may change outside its volume: the files podman writes for it.
const PODMAN_WRITES = new Set(['/etc', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/run', '/run/.containerenv', '/mehdbdata']);

describe('a leader and a follower in podman (runc), non-root, read-only root, data volumes', () => {
  let containers: Containers;
  let leader: Datastore;
  let follower: Datastore;
  before(async () => {
    containers = new Containers(builtImage());
    leader = await containers.start({ ordinal: 0 });
    follower = await containers.start({ ordinal: 1, leader });
  });
  after(() => containers?.removeAll());

  test('the leader answers GET /status with leader', async () => {
    await leader.waitForStatus('leader');
  });

  test('the follower answers GET /status with follower', async () => {
    await follower.waitForStatus('follower');
  });

  test('a PUT /set on the leader is read back with GET /get', async () => {
    await leader.waitForStatus('leader');
    await leader.put('image-test-put', VALUE);
    assert.equal(await leader.get('image-test-put'), VALUE);
  });

  test('the follower replicates a write on the leader', async () => {
    await leader.waitForStatus('leader');
    await leader.put('image-test-replicated', VALUE);
    await follower.waitForValue('image-test-replicated', VALUE);
  });

  test('nothing is written outside /mehdbdata', async () => {
    await leader.waitForStatus('leader');
    await leader.put('image-test-written', VALUE);
    await follower.waitForValue('image-test-written', VALUE);
    const written = [leader, follower]
      .map((node) => JSON.parse(podman('diff', '--format', 'json', node.name)) as Record<string, string[]>)
      .flatMap((diff) => [...(diff.added ?? []), ...(diff.changed ?? []), ...(diff.deleted ?? [])])
      .filter((p) => !PODMAN_WRITES.has(p));
    assert.deepEqual(written, []);
  });

  test("the leader's data is on its volume, owned by 65532", async () => {
    await leader.waitForStatus('leader');
    await leader.put('image-test-volume', VALUE);
    const mountpoint = podman('volume', 'inspect', '--format', '{{.Mountpoint}}', leader.volume).trim();
    assert.notDeepEqual(fs.readdirSync(mountpoint), [], `${mountpoint} is empty`);
    assert.equal(fs.statSync(mountpoint).uid, 65532);
  });
});
