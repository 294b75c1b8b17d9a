import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closeClients, MehdbProcess, startNode, tmpDir } from './support/cluster';
import { checkHistory, ensureChecker, HistoryOp, lostAcknowledgedWrites, readConsistent, runWorkload } from './support/linearizability';
import { FakeStore, startFakeStore } from './linearizability/fake-store';

// Needs Go and the Go module proxy (the checker is built once into the tools cache), unless
// MEHDB_LINEARIZABILITY_CHECKER names a prebuilt checker.
const noGo = !process.env.MEHDB_LINEARIZABILITY_CHECKER && spawnSync('go', ['version']).status !== 0;
const skip = noGo ? 'needs Go to build the porcupine checker' : false;

const put = (client: number, key: string, value: string, call: number, ret: number | null): HistoryOp => ({ client, kind: 'put', key, value, call, return: ret });
const del = (client: number, key: string, call: number, ret: number | null, found?: boolean): HistoryOp => ({ client, kind: 'delete', key, call, return: ret, ...(found === undefined ? {} : { found }) });
const get = (client: number, key: string, call: number, ret: number, result?: string): HistoryOp => ({ client, kind: 'get', key, call, return: ret, found: result !== undefined, ...(result === undefined ? {} : { result }) });

describe('porcupine checker on hand-made histories', { skip }, () => {
  before(async () => {
    const started = Date.now();
    const bin = await ensureChecker();
    console.log(`linearizability checker ready in ${Date.now() - started} ms: ${bin}`);
  });

  it('a correct concurrent history is Ok, with the summary line', async () => {
    const r = await checkHistory([put(0, 'a', 'x', 0, 10), put(0, 'a', 'y', 20, 40), get(1, 'a', 25, 30, 'x'), get(2, 'a', 26, 35, 'y'), get(1, 'a', 45, 50, 'y'), get(3, 'b', 1, 2)]);
    assert.deepEqual(r, { verdict: 'Ok', line: 'porcupine: Ok (6 operations, 2 keys, 0 unknown outcomes)' });
  });

  it('a lost acknowledged write is Illegal, and the visualization is written', async () => {
    const htmlFile = path.join(tmpDir('mehdb-lin-'), 'lost.html');
    const r = await checkHistory([put(0, 'a', 'x', 0, 10), put(0, 'a', 'y', 20, 30), get(1, 'a', 40, 50, 'x')], { htmlFile });
    assert.equal(r.verdict, 'Illegal');
    assert.equal(r.htmlFile, htmlFile);
    assert.match(fs.readFileSync(htmlFile, 'utf8'), /<html/);
  });

  it('a stale read after a newer acknowledged write completed is Illegal', async () => {
    const r = await checkHistory([put(0, 'a', 'x', 0, 10), get(1, 'a', 12, 14, 'x'), put(0, 'a', 'y', 20, 30), get(1, 'a', 31, 35, 'x')]);
    assert.equal(r.verdict, 'Illegal');
  });

  it('an unknown-outcome put may appear later, or never', async () => {
    const appears = await checkHistory([put(0, 'a', 'x', 0, 10), put(1, 'a', 'u', 20, null), get(2, 'a', 30, 40, 'x'), get(2, 'a', 100, 110, 'u')]);
    assert.equal(appears.line, 'porcupine: Ok (4 operations, 1 keys, 1 unknown outcomes)');
    const never = await checkHistory([put(1, 'a', 'u', 0, null), get(2, 'a', 30, 40), get(2, 'a', 50, 60)]);
    assert.equal(never.verdict, 'Ok');
    const overwritten = await checkHistory([put(1, 'a', 'u', 0, null), get(2, 'a', 30, 40, 'u'), put(3, 'a', 'v', 50, 60), get(2, 'a', 70, 80, 'u')]);
    assert.equal(overwritten.verdict, 'Illegal', 'an unknown write takes effect at most once');
  });

  it('delete: 404 when absent, 200 when present; an unknown delete may or may not happen', async () => {
    assert.equal((await checkHistory([del(0, 'a', 0, 10, false), put(0, 'a', 'x', 20, 30), del(0, 'a', 40, 50, true), get(1, 'a', 60, 70), del(1, 'a', 80, 90, false)])).verdict, 'Ok');
    assert.equal((await checkHistory([put(0, 'a', 'x', 0, 10), del(1, 'a', 20, 30, false)])).verdict, 'Illegal');
    assert.equal((await checkHistory([del(0, 'a', 0, 10, true)])).verdict, 'Illegal');
    assert.equal((await checkHistory([put(0, 'a', 'x', 0, 10), del(0, 'a', 20, null), get(1, 'a', 40, 50, 'x'), get(1, 'a', 60, 70)])).verdict, 'Ok');
  });

  it('rejects a malformed history', async () => {
    const bad = { client: 0, kind: 'cas', key: 'a', call: 0, return: 1 } as unknown as HistoryOp;
    await assert.rejects(checkHistory([bad]), /"kind" must be put, delete or get/);
  });
});

describe('lostAcknowledgedWrites', () => {
  const history = [put(0, 'a', 'x', 0, 10), put(0, 'a', 'y', 20, 30), put(1, 'b', 'p', 0, 10), put(2, 'b', 'q', 5, null), del(3, 'c', 0, 10, false), put(3, 'c', 'z', 20, 30)];

  it('counts acknowledged writes the final state does not explain, and records the final reads', async () => {
    const finals: Record<string, { found: boolean; value?: string }> = { a: { found: true, value: 'x' }, b: { found: true, value: 'q' }, c: { found: false } };
    const report = await lostAcknowledgedWrites(history, async (key) => finals[key]);
    assert.equal(report.acknowledged, 5);
    assert.deepEqual(report.lost.map((l) => `${l.op.key}=${l.op.value}`), ['a=y', 'c=z']);
    assert.deepEqual(report.finalReads.map((r) => [r.client, r.key, r.found, r.result]), [[4, 'a', true, 'x'], [4, 'b', true, 'q'], [4, 'c', false, undefined]]);
  });

  it('none are lost when every key ends with its last write', async () => {
    const finals: Record<string, { found: boolean; value?: string }> = { a: { found: true, value: 'y' }, b: { found: true, value: 'p' }, c: { found: true, value: 'z' } };
    assert.deepEqual((await lostAcknowledgedWrites(history, async (key) => finals[key])).lost, []);
  });
});

describe('workload against a fake store', { skip }, () => {
  let store: FakeStore;
  let follower: FakeStore;
  before(async () => {
    store = await startFakeStore();
    follower = await startFakeStore('http://mehdb-0.mehdb.ns.svc.cluster.local:9876');
    follower.mode = 'redirect';
  });
  after(async () => {
    await store.close();
    await follower.close();
  });
  const resolve = (u: string) => u.replace('http://mehdb-0.mehdb.ns.svc.cluster.local:9876', store.url);

  it('follows 307s through resolve; a connection refused tries the next endpoint; the history is Ok', async () => {
    store.mode = 'ok';
    const w = await runWorkload({ endpoints: () => ['http://127.0.0.1:1', follower.url], resolve, clients: 4, keys: 3, durationMs: 600, requestTimeoutMs: 1000 });
    assert.ok(w.history.length > 50, `${w.history.length} operations`);
    assert.deepEqual([w.unknown, w.dropped, w.errors], [0, 0, {}]);
    assert.equal(w.acknowledgedWrites, w.history.filter((o) => o.kind !== 'get').length);
    assert.equal((await checkHistory(w.history)).verdict, 'Ok');
  });

  it('a store that acknowledges puts it then loses is Illegal, and loses writes', async () => {
    store.mode = 'lose-puts';
    // Puts and reads only: a delete would let a later put land again and hide the loss.
    const w = await runWorkload({ endpoints: () => [store.url], clients: 4, keys: 3, durationMs: 600, requestTimeoutMs: 1000, mix: { put: 1, delete: 0, get: 1 }, seed: 7 });
    store.mode = 'ok';
    const report = await lostAcknowledgedWrites(w.history, readConsistent({ endpoints: () => [store.url] }));
    assert.equal((await checkHistory([...w.history, ...report.finalReads])).verdict, 'Illegal');
    assert.ok(report.lost.length > 0, 'some acknowledged put is missing at the end');
  });

  it('503 after writing is an unknown outcome with a new client id; "no leader" and too many redirects are dropped', async () => {
    store.mode = 'unavailable';
    const w = await runWorkload({ endpoints: () => [store.url], clients: 2, keys: 2, durationMs: 300, requestTimeoutMs: 1000, backoffMs: 5, mix: { put: 1, delete: 1, get: 0 } });
    assert.ok(w.unknown > 0 && w.unknown === w.history.length && w.history.every((o) => o.return === null));
    assert.equal(w.clientIds, 2 + w.unknown);
    assert.equal(new Set(w.history.map((o) => o.client)).size, w.history.length, 'one operation per retired client');
    assert.equal((await checkHistory(w.history)).verdict, 'Ok');
    store.mode = 'no-leader';
    const refused = await runWorkload({ endpoints: () => [store.url], clients: 2, keys: 2, durationMs: 200, requestTimeoutMs: 1000, backoffMs: 5 });
    assert.deepEqual([refused.history.length, Object.keys(refused.errors)], [0, ['no-leader']]);
    const loop = await runWorkload({ endpoints: () => [follower.url], resolve: () => `${follower.url}/set/x`, clients: 1, keys: 1, durationMs: 200, requestTimeoutMs: 1000, backoffMs: 5 });
    assert.deepEqual([loop.history.length, Object.keys(loop.errors)], [0, ['redirect-limit']]);
  });
});

describe('workload against one real mehdb (standalone leader)', { skip }, () => {
  let node: MehdbProcess;
  before(async () => {
    node = await startNode({ host: 'mehdb-0', dataDir: tmpDir() });
  });
  after(async () => {
    closeClients();
    assert.equal(await node.stop(), 0);
  });

  it('3 s of 8 clients on 5 keys: linearizable, nothing unknown, no acknowledged write lost', async () => {
    const w = await runWorkload({ endpoints: () => [node.url], clients: 8, keys: 5, durationMs: 3000, requestTimeoutMs: 5000 });
    assert.deepEqual([w.unknown, w.errors], [0, {}]);
    assert.ok(w.acknowledgedPuts.length > 50, `${w.acknowledgedPuts.length} acknowledged puts`);
    const report = await lostAcknowledgedWrites(w.history, readConsistent({ endpoints: () => [node.url] }));
    assert.deepEqual(report.lost, []);
    const r = await checkHistory([...w.history, ...report.finalReads]);
    console.log(`${r.line} in ${w.durationMs} ms`);
    assert.equal(r.verdict, 'Ok');
  });
});
