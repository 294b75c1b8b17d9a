// The configuration of the built image, as podman reads it from the test's store.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { built, builtImage, podman, run } from './harness';

interface ImageConfig { User: string; Env: string[]; Entrypoint: string[] }
const config = (): ImageConfig => (JSON.parse(podman('image', 'inspect', builtImage())) as { Config: ImageConfig }[])[0].Config;

describe('the image configuration', () => {
  test('it runs as the numeric non-root user 65532:65532', () => {
    assert.equal(config().User, '65532:65532');
  });

  test('MEHDB_DATADIR defaults to /mehdbdata', () => {
    assert.ok(config().Env.includes('MEHDB_DATADIR=/mehdbdata'), `Env: ${config().Env.join(' ')}`);
  });

  test('the entrypoint is node with the compiled server', () => {
    assert.deepEqual(config().Entrypoint, ['/nodejs/bin/node', '/app/dist/src/main.js']);
  });

  test('there is no shell: /bin/sh cannot start', () => {
    const r = run('podman', ['run', '--rm', '--entrypoint', '/bin/sh', builtImage(), '-c', 'true']);
    assert.notEqual(r.status, 0, 'a container ran /bin/sh');
    assert.match(r.stderr, /\/bin\/sh[^\n]*(no such file|not found)/i);
  });

  test('the compressed size (layers and config, as pushed) is at most 40 MB', () => {
    const { compressed } = built(1).sizeBytes;
    assert.ok(compressed <= 40_000_000, `${(compressed / 1e6).toFixed(1)} MB`);
  });
});
