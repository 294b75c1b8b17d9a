// Build 1 also went into the user's own container storage: here a stand-in (user-store/, the
// storage.conf image/test.sh named in MEHDB_IMAGE_LOCAL_STORAGE_CONF), with the containers.conf
// of image/conf/run.containers.conf, so the machine's default storage is left alone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Datastore } from './datastore';
import { USER_STORE_ENV, builtImage, built, freePort, ok, run } from './harness';

interface Listed { Names?: string[]; Digest: string }

describe("the image in the user's own container storage", () => {
  test('podman images lists it with the built digest', () => {
    const listed = JSON.parse(ok('podman', ['images', '--format', 'json'], { env: USER_STORE_ENV })) as Listed[];
    const found = listed.filter((i) => i.Names?.includes(builtImage())).map((i) => i.Digest);
    assert.deepEqual(found, [built(1).digest]);
  });

  test('podman run by tag serves /status', async (t) => {
    const node = new Datastore(`mehdb-test-user-${process.pid}`, await freePort(), '', USER_STORE_ENV);
    t.after(() => run('podman', ['rm', '-f', '-v', '-t', '2', node.name], { env: USER_STORE_ENV }));
    ok('podman', ['run', '-d', '--name', node.name, '-e', `MEHDB_PORT=${node.port}`, '-e', 'MEHDB_BIND=127.0.0.1', builtImage()],
      { env: USER_STORE_ENV });
    await node.waitForStatus('leader');
  });
});
