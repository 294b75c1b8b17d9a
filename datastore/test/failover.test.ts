/**
 * Leader failover (MEHDB_FAILOVER=lease) with real mehdb processes electing through a real
 * kube-apiserver (etcd + kube-apiserver on 127.0.0.1, RBAC, the ServiceAccount's exact Lease
 * rules). Run by `npm run test:failover`, which provides MEHDB_K8S_BIN.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closeClients, dump, request, requestFollow, sleep, tmpDir, waitFor } from './support/cluster';
import { FailoverGroup, LeaseBackend, apiServerBackend } from './support/failover-group';
import { ApiServer, startApiServer } from './support/kube-apiserver';

const BIN = process.env.MEHDB_K8S_BIN;

describe('failover through a Lease on a real API server', { skip: BIN ? false : 'MEHDB_K8S_BIN is unset: run npm run test:failover' }, () => {
  let api: ApiServer;
  let backend: LeaseBackend;
  before(async () => {
    api = await startApiServer({ binDir: BIN!, dir: tmpDir('mehdb-apiserver-') });
    backend = apiServerBackend(api);
  });
  after(async () => {
    await api?.stop();
    closeClients();
  });

  it('elects exactly one leader, named in the Lease; followers redirect writes to it and replicate synchronously', async () => {
    const g = await FailoverGroup.start(backend, 3);
    try {
      const leader = await g.leader();
      assert.ok((await g.epoch()) >= 1, 'the Lease carries an epoch');
      for (const f of g.others(leader)) {
        const r = await request('PUT', `${f.url}/set/greeting`, 'hello');
        assert.equal(r.status, 307);
        assert.equal(r.headers.location, `${leader.url}/set/greeting`);
        const c = await request('GET', `${f.url}/get/greeting?consistent`);
        assert.equal(c.status, 307, 'a consistent read goes to the leader');
      }
      assert.equal((await requestFollow('PUT', `${g.others(leader)[0].url}/set/greeting`, 'hello')).status, 200);
      // Synchronous: acknowledged means durable on the leader and at least one follower.
      const held = await Promise.all(g.others(leader).map(async (f) => (await request('GET', `${f.url}/get/greeting`)).text));
      assert.ok(held.includes('hello'), `a follower holds the write when it is acknowledged (got ${held.join(', ')})`);
      assert.equal((await request('GET', `${leader.url}/get/greeting?consistent`)).text, 'hello');
      assert.equal(await g.metric(leader, 'mehdb_is_leader'), 1);
    } finally {
      await g.stop();
    }
  });

  it('refuses to acknowledge a write no follower holds: 503 (outcome unknown), never a silent asynchronous 200', async () => {
    const g = await FailoverGroup.start(backend, 3);
    try {
      const leader = await g.leader();
      for (const f of g.others(leader)) f.proc.kill('SIGSTOP');
      const started = Date.now();
      const r = await request('PUT', `${leader.url}/set/k`, 'v1');
      assert.equal(r.status, 503);
      assert.equal(r.text, 'write not acknowledged\n');
      assert.ok(Date.now() - started >= 900, 'it waited for the followers first');
      const c = await request('GET', `${leader.url}/get/k?consistent`);
      assert.equal(c.status, 503, 'an unacknowledged value is not served as consistent');
      for (const f of g.others(leader)) f.proc.kill('SIGCONT');
      await waitFor('the write acknowledged once a follower has it', async () => (await request('GET', `${leader.url}/get/k?consistent`)).text === 'v1');
    } finally {
      await g.stop();
    }
  });

  it('SIGKILL of the leader: a follower takes over in a higher epoch with every acknowledged write', async () => {
    const g = await FailoverGroup.start(backend, 3);
    try {
      const leader = await g.leader();
      const acked: string[] = [];
      for (let i = 0; i < 50; i++) if ((await request('PUT', `${leader.url}/set/k${i}`, `v${i}`)).status === 200) acked.push(`k${i}`);
      const epoch = await g.epoch();
      const killedAt = Date.now();
      await leader.kill9();
      const next = await g.leader();
      const tookMs = Date.now() - killedAt;
      assert.notEqual(next, leader);
      assert.ok((await g.epoch()) > epoch, 'the new leadership has a higher epoch');
      for (const k of acked) assert.equal((await request('GET', `${next.url}/get/${k}?consistent`)).text, `v${k.slice(1)}`);
      assert.equal((await request('PUT', `${next.url}/set/after`, 'x')).status, 200);
      assert.ok(tookMs < 10_000, `took over in ${tookMs} ms`);
      console.log(`FIGURE failover after SIGKILL (lease 1.5 s): ${tookMs} ms to a new leader`);
    } finally {
      await g.stop();
    }
  });

  it('a leader paused past its lease is fenced: it acknowledges nothing, then follows and drops its unacknowledged tail', async () => {
    const g = await FailoverGroup.start(backend, 3);
    try {
      const old = await g.leader();
      assert.equal((await request('PUT', `${old.url}/set/shared`, 'before')).status, 200);
      // A divergent tail: written on the old leader while no follower could take it (killed,
      // so that no long-poll of theirs can carry it away), then the old leader pauses.
      for (const f of g.others(old)) await f.kill9();
      assert.equal((await request('PUT', `${old.url}/set/shared`, 'divergent')).status, 503);
      old.proc.kill('SIGSTOP');
      for (const f of g.others(old)) await f.start();
      const next = await g.leader();
      assert.notEqual(next, old);
      assert.equal((await request('GET', `${next.url}/get/shared?consistent`)).text, 'before');
      assert.equal((await request('PUT', `${next.url}/set/shared`, 'after')).status, 200);
      old.proc.kill('SIGCONT');
      // Awake, it still holds 'divergent' locally but may not acknowledge or serve it as consistent.
      const w = await request('PUT', `${old.url}/set/other`, 'x');
      assert.ok(w.status === 307 || w.status === 503, `a deposed leader does not acknowledge (got ${w.status})`);
      await waitFor('the old leader follows and its tail is cut', async () => (await request('GET', `${old.url}/get/shared`)).text === 'after', 15_000);
      assert.equal(await g.role(old), 'follower');
      assert.deepEqual(await dump(old.url), await dump(next.url));
    } finally {
      await g.stop();
    }
  });

  it('promotes only with enough replicas reached, and catches up from the most advanced first', async () => {
    const g = await FailoverGroup.start(backend, 3);
    try {
      const leader = await g.leader();
      const [a, b] = g.others(leader);
      a.proc.kill('SIGSTOP');
      assert.equal((await request('PUT', `${leader.url}/set/only-on-b`, 'v')).status, 200, 'acknowledged by b alone');
      b.proc.kill('SIGSTOP');
      await leader.kill9();
      a.proc.kill('SIGCONT');
      await sleep(3000);
      assert.notEqual(await g.role(a), 'leader', 'a alone cannot know every acknowledged write: it does not lead');
      b.proc.kill('SIGCONT');
      const next = await g.leader();
      assert.equal((await request('GET', `${next.url}/get/only-on-b?consistent`)).text, 'v');
      await waitFor('a has the write too', async () => (await request('GET', `${a.url}/get/only-on-b`)).text === 'v');
    } finally {
      await g.stop();
    }
  });

  it('SIGTERM of the leader releases the Lease: a follower takes over without waiting for expiry', async () => {
    const g = await FailoverGroup.start(backend, 3, { MEHDB_LEASE_DURATION_MS: '6000', MEHDB_RENEW_DEADLINE_MS: '4000', MEHDB_RETRY_PERIOD_MS: '300' });
    try {
      const leader = await g.leader();
      const t = Date.now();
      assert.equal(await leader.stop(), 0);
      await g.leader(5000);
      assert.ok(Date.now() - t < 6000, `took over in ${Date.now() - t} ms, before the 6 s lease could expire`);
    } finally {
      await g.stop();
    }
  });

  it('a deleted Lease is made again with a higher epoch: epochs only grow', async () => {
    const g = await FailoverGroup.start(backend, 3);
    try {
      await g.leader();
      const epoch = await g.epoch();
      assert.equal(await api.deleteLease(g.leaseName, g.namespace), true);
      await waitFor('a new Lease', async () => (await g.epoch()) > epoch, 15_000, 100);
      const leader = await g.leader();
      assert.equal((await request('PUT', `${leader.url}/set/k`, 'v')).status, 200);
    } finally {
      await g.stop();
    }
  });

  it('two replicas with MEHDB_SOLO: the leader records solo mode before writing alone, and nobody takes over while it lasts', async () => {
    const g = await FailoverGroup.start(backend, 2, { MEHDB_SOLO: 'true' });
    try {
      const leader = await g.leader();
      const [follower] = g.others(leader);
      follower.proc.kill('SIGSTOP');
      assert.equal((await request('PUT', `${leader.url}/set/solo`, 'v')).status, 200);
      assert.equal((await g.lease())?.metadata.annotations?.['mehdb.io/solo'], 'true');
      await leader.kill9();
      follower.proc.kill('SIGCONT');
      await sleep(3000);
      assert.equal(await g.role(follower), 'follower', 'the follower lacks the solo writes: it must not lead');
      await leader.start();
      const back = await g.leader();
      assert.equal(back, leader);
      await waitFor('solo mode cleared once the follower caught up', async () => (await g.lease())?.metadata.annotations?.['mehdb.io/solo'] === undefined, 15_000, 100);
      assert.equal((await request('GET', `${follower.url}/get/solo`)).text, 'v');
    } finally {
      await g.stop();
    }
  });
});
