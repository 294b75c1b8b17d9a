/**
 * The quick suite's look at MEHDB_FAILOVER=lease: three real processes electing through the
 * compare-and-swap stand-in of the Lease API (test/support/fake-lease-server.ts). The proof
 * against the real kube-apiserver, with every fault, is test/failover.test.ts
 * (`npm run test:failover`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closeClients, request, requestFollow, tmpDir } from './support/cluster';
import { FailoverGroup, fakeBackend } from './support/failover-group';
import { FakeLeaseServer, startFakeLeaseServer } from './support/fake-lease-server';

describe('election through a Lease (compare-and-swap stand-in)', () => {
  let fake: FakeLeaseServer;
  before(async () => {
    fake = await startFakeLeaseServer(tmpDir('mehdb-fake-api-'));
  });
  after(async () => {
    await fake.close();
    closeClients();
  });

  it('one leader; writes through a follower land on it; SIGKILL of it hands over to a follower with every acknowledged write', async () => {
    const g = await FailoverGroup.start(fakeBackend(fake), 3);
    try {
      const leader = await g.leader();
      const follower = g.others(leader)[0];
      for (let i = 0; i < 20; i++) assert.equal((await requestFollow('PUT', `${follower.url}/set/k${i}`, `v${i}`)).status, 200);
      assert.equal((await request('GET', `${follower.url}/status`)).text, 'follower');
      const epoch = await g.epoch();
      await leader.kill9();
      const next = await g.leader();
      assert.ok((await g.epoch()) > epoch);
      for (let i = 0; i < 20; i++) assert.equal((await request('GET', `${next.url}/get/k${i}?consistent`)).text, `v${i}`);
      assert.equal(await g.metric(next, 'mehdb_leader_changes_total'), 1);
    } finally {
      await g.stop();
    }
  });
});
