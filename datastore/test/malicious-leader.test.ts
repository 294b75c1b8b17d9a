import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { TYPE_DEL, TYPE_PUT, TYPE_SEGMENT, encodeRecord } from '../src/store/record';
import { closeClients, request, startNode, tmpDir, waitFor } from './support/cluster';

const STORE = 'ab'.repeat(16);

/** A fake leader that answers each change request with the next hostile response. */
function hostileLeader(): Promise<{ server: http.Server; url: string; served: () => number }> {
  const rec = (type: number, seq: number, key: string, v = 'x') => encodeRecord(type, seq, key, type === TYPE_DEL ? undefined : Buffer.from(v));
  const corruptCrc = rec(TYPE_PUT, 5, 'fine');
  corruptCrc[0] ^= 0xff;
  const hostile: Array<{ status: number; store?: string; seq?: string; body: Buffer }> = [
    { status: 200, body: rec(TYPE_PUT, 2, '../../escaped') },
    { status: 200, body: rec(TYPE_PUT, 2, '/etc/passwd') },
    { status: 200, body: rec(TYPE_PUT, 2, '.hidden') },
    { status: 200, body: corruptCrc },
    { status: 200, body: Buffer.concat([rec(TYPE_PUT, 3, 'aaa'), rec(TYPE_PUT, 2, 'bbb')]) }, // out of order
    { status: 200, body: rec(TYPE_PUT, 1, 'old') }, // not after the follower's position
    { status: 200, seq: '2', body: rec(TYPE_PUT, 7, 'ahead') }, // beyond the leader's own seq
    { status: 200, store: '../../x', body: rec(TYPE_PUT, 2, 'ok') },
    { status: 200, body: rec(TYPE_SEGMENT, 2, '', '{}') },
    { status: 200, body: rec(TYPE_PUT, 2, 'cut', 'a longer value').subarray(0, 25) },
    { status: 200, body: Buffer.from('<html>not records</html>') },
    { status: 500, body: Buffer.from('/var/lib/secret: EIO') },
  ];
  const end = (seq: number, count: number) => encodeRecord(TYPE_SEGMENT, seq, '', Buffer.from(JSON.stringify({ end: true, count })));
  let n = 0; // change requests
  let sn = 0; // snapshot requests
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/replication/snapshot')) {
      const phase = sn++;
      res.writeHead(200, { 'x-mehdb-store': STORE, 'x-mehdb-seq': '1' });
      if (phase === 0) return void res.end(Buffer.concat([rec(TYPE_PUT, 1, 'good', 'honest'), end(1, 1)]));
      if (phase === 1) return void res.end(Buffer.concat([rec(TYPE_PUT, 1, 'x/../../y'), end(1, 1)])); // slash in a key
      if (phase === 2) return void res.end(rec(TYPE_PUT, 1, 'nomark')); // no end mark
      if (phase === 3) return void res.end(Buffer.concat([rec(TYPE_PUT, 1, 'dup'), rec(TYPE_PUT, 1, 'dup'), end(1, 2)]));
      return void res.end(Buffer.concat([rec(TYPE_PUT, 1, 'good', 'honest'), rec(TYPE_PUT, 1, 'final', 'done'), end(1, 2)]));
    }
    const i = n++;
    if (i === 0 || (i > hostile.length && sn < 5)) {
      res.writeHead(409, { 'x-mehdb-store': STORE, 'x-mehdb-seq': '1' });
      return void res.end();
    }
    const h = hostile[i - 1];
    if (!h) {
      setTimeout(() => {
        res.writeHead(200, { 'x-mehdb-store': STORE, 'x-mehdb-seq': '1' });
        res.end();
      }, 200);
      return;
    }
    res.writeHead(h.status, { 'x-mehdb-store': h.store ?? STORE, 'x-mehdb-seq': h.seq ?? '100' });
    res.end(h.body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, served: () => n + sn })),
  );
}

describe('a follower facing a hostile leader', () => {
  after(() => closeClients());

  it('rejects everything invalid, writes nothing outside its data dir, keeps serving, then syncs honestly', async (t) => {
    const leader = await hostileLeader();
    const parent = tmpDir('mehdb-hostile-');
    const dataDir = path.join(parent, 'data');
    const follower = await startNode({ host: 'mehdb-1', dataDir, leaderUrl: leader.url });
    try {
      await waitFor('follower got the honest snapshot', async () => (await request('GET', `${follower.url}/get/final`)).text === 'done', 40_000, 100);
      assert.deepEqual(fs.readdirSync(parent), ['data'], 'nothing was created beside the data dir');
      assert.ok(fs.readdirSync(dataDir).every((n) => /^[0-9]{10}\.seg$/.test(n)), 'only segment files inside it');
      assert.deepEqual(JSON.parse((await request('GET', `${follower.url}/keys`)).text), ['final', 'good']);
      const m = (await request('GET', `${follower.url}/metrics`)).text;
      const rejected = Number(/^mehdb_replication_rejected_total (\d+)$/m.exec(m)?.[1]);
      assert.ok(rejected >= 15, `rejected ${rejected}`);
      assert.ok(!follower.logs.join('').includes('/var/lib/secret'), 'leader error bodies are not echoed');
      t.diagnostic(`hostile leader: ${leader.served()} responses served, ${rejected} rejected`);
    } finally {
      await follower.stop();
      leader.server.close();
    }
  });
});
