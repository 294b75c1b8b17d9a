// Restarts: the data of a datastore container outlives its process and the container itself.
// Every check starts containers of its own, on new volumes.
import { test } from 'node:test';
import { containersFor } from './datastore';
import { builtImage } from './harness';

const KEY = 'image-test-restart';
const VALUE = `hello from the image test ${process.pid}`;

test('the data survives a restart of the leader container', async (t) => {
  const leader = await containersFor(t, builtImage()).start({ ordinal: 0 });
  await leader.waitForStatus('leader');
  await leader.put(KEY, VALUE);
  leader.restart();
  await leader.waitForValue(KEY, VALUE);
});

test('the data survives a new leader container on the same volume', async (t) => {
  // As when the pod is scheduled anew.
  const containers = containersFor(t, builtImage());
  const first = await containers.start({ ordinal: 0 });
  await first.waitForStatus('leader');
  await first.put(KEY, VALUE);
  containers.remove(first);
  const second = await containers.start({ ordinal: 0, port: first.port, volume: first.volume });
  await second.waitForValue(KEY, VALUE);
});

test('the follower still serves a replicated value after its restart', async (t) => {
  const containers = containersFor(t, builtImage());
  const leader = await containers.start({ ordinal: 0 });
  const follower = await containers.start({ ordinal: 1, leader });
  await leader.waitForStatus('leader');
  await leader.put(KEY, VALUE);
  await follower.waitForValue(KEY, VALUE);
  follower.restart();
  await follower.waitForValue(KEY, VALUE);
});
