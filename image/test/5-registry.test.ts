// The loopback docker-registry image/test.sh started and build 2 pushed to, and the oci-archive
// of build 1.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { REGISTRY, STATE, built, ok } from './harness';

describe('the registry and the archive', () => {
  test('docker-registry answers GET /v2/', async () => {
    const res = await fetch(`http://${REGISTRY}/v2/`, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200);
  });

  test('skopeo inspect of the pushed tag shows the recorded digest', () => {
    const { tag, digest } = built(1);
    const args = ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${REGISTRY}/mehdb:${tag}`];
    assert.equal(ok('skopeo', args, { timeoutSeconds: 120 }).trim(), digest);
  });

  test('podman pulls the image from the registry by digest', () => {
    const id = ok('podman', ['pull', '--tls-verify=false', '-q', `${REGISTRY}/mehdb@${built(1).digest}`], { timeoutSeconds: 120 });
    assert.match(id.trim(), /^[0-9a-f]{64}$/);
  });

  test('the oci-archive loads with podman load', () => {
    const { repository, tag } = built(1);
    const out = ok('podman', ['load', '-i', path.join(STATE, 'mehdb.oci.tar')], { timeoutSeconds: 120 });
    assert.ok(out.includes(`${repository}:${tag}`), `podman load printed: ${out.trim()}`);
  });
});
