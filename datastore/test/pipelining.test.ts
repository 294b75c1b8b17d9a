import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../src/log';
import { OpenMode, StorageFile, StorageFs, nodeFs } from '../src/store/file-system';
import { ChangeItem, LogStore, StoreOptions } from '../src/store/log-store';
import { TYPE_PUT } from '../src/store/record';
import { tmpDir } from './support/cluster';

/** Real files whose segment fsyncs wait for `release()` while gated, or fail when armed. */
class GatedSyncFs implements StorageFs {
  gated = false;
  failNext = 0;
  private waiting: Array<() => void> = [];
  mkdirp = nodeFs.mkdirp;
  list = nodeFs.list;
  rename = nodeFs.rename;
  unlink = nodeFs.unlink;
  syncDir = nodeFs.syncDir;
  release(): void {
    for (const w of this.waiting.splice(0)) w();
  }
  get blocked(): number {
    return this.waiting.length;
  }
  async open(p: string, mode: OpenMode): Promise<StorageFile> {
    const real = await nodeFs.open(p, mode);
    const owner = this;
    return {
      syncOnWrite: false,
      write: (buf, pos) => real.write(buf, pos),
      read: (b, o, l, pos) => real.read(b, o, l, pos),
      async datasync() {
        if (owner.gated && p.endsWith('.seg')) await new Promise<void>((resolve) => owner.waiting.push(resolve));
        if (owner.failNext > 0 && p.endsWith('.seg')) {
          owner.failNext--;
          throw Object.assign(new Error('EIO'), { code: 'EIO' });
        }
        return real.datasync();
      },
      truncate: (l) => real.truncate(l),
      size: () => real.size(),
      close: () => real.close(),
    };
  }
}

const opts = (fs: StorageFs): StoreOptions => ({
  dataDir: tmpDir(),
  fs,
  log: createLogger('error', () => undefined),
  maxKeyBytes: 256,
  maxValueBytes: 1 << 20,
  cacheBytes: 1 << 20,
  segmentBytes: 1 << 20,
  compactRatio: 0.5,
  compactMinBytes: 1 << 30,
});

const seqs = (items: ChangeItem[] | 'too-old'): number[] | 'too-old' => (items === 'too-old' ? items : items.map((e) => e.seq));
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.ok(cond(), 'condition not reached');
}

/** Leader pipelining (MEHDB_FAILOVER=lease): in-flight records in the change stream. */
describe('pipelining', () => {
  it('streams launched records after the committed ones, each once, and only while on', async () => {
    const fs = new GatedSyncFs();
    const s = await LogStore.open(opts(fs));
    await s.put('a', Buffer.from('1'));
    await s.put('b', Buffer.from('1'));
    assert.equal(s.committedSeq, 2);
    s.setPipelining(true, () => assert.fail('no failure expected'));
    fs.gated = true;
    const woke = s.waitForChanges(2, 60_000);
    const p = s.put('a', Buffer.from('2'));
    await until(() => fs.blocked > 0);
    await woke; // a long-poll wakes at the launch, not at the commit
    assert.equal(s.committedSeq, 2);
    assert.equal(s.launchedSeq, 3);
    assert.deepEqual(seqs(s.changesSince(0, 100)), [1, 2, 3], 'key a twice: durable seq 1, then in-flight seq 3');
    assert.deepEqual(seqs(s.changesSince(0, 1)), [1], 'no in-flight record past a cut-short committed part');
    assert.deepEqual(seqs(s.changesSince(3, 100)), [], 'a follower level with the launched seq');
    assert.equal(s.changesSince(4, 100), 'too-old');
    const items = s.changesSince(2, 100);
    assert.ok(items !== 'too-old');
    const bufs = await s.recordsFor(items);
    assert.equal(bufs.length, 1);
    assert.equal(s.has('a') && (await s.get('a'))?.toString(), '1', 'reads serve committed data only');
    fs.gated = false;
    fs.release();
    await p;
    assert.equal(s.committedSeq, 3);
    assert.deepEqual(seqs(s.changesSince(0, 100)), [2, 3]);
    s.setPipelining(false);
    fs.gated = true;
    const q = s.put('c', Buffer.from('1'));
    await until(() => fs.blocked > 0);
    assert.equal(s.launchedSeq, 3, 'off: nothing in flight is streamed');
    assert.deepEqual(seqs(s.changesSince(3, 100)), []);
    fs.gated = false;
    fs.release();
    await q;
    await s.close();
  });

  it('a failed commit while streaming refuses writes and reports it, until pipelining starts again', async () => {
    const fs = new GatedSyncFs();
    const s = await LogStore.open(opts(fs));
    await s.put('a', Buffer.from('1'));
    let failures = 0;
    s.setPipelining(true, () => failures++);
    fs.gated = true;
    fs.failNext = 1;
    const p = s.put('b', Buffer.from('1'));
    await until(() => fs.blocked > 0);
    const queued = s.put('c', Buffer.from('1')); // queued behind, or launched in the second slot
    await tick();
    fs.gated = false;
    fs.release();
    await assert.rejects(p);
    await assert.rejects(queued);
    assert.equal(failures, 1);
    assert.equal(s.launchedSeq, s.committedSeq);
    assert.equal(s.committedSeq, 1);
    await assert.rejects(s.put('d', Buffer.from('1')), /write failed/);
    await assert.rejects(s.delete('a'), /write failed/);
    // As a follower it takes the next leader's records at the seqs the failed writes used.
    await s.applyReplicated([{ type: TYPE_PUT, seq: 2, key: 'b', value: Buffer.from('x'), length: 0 }]);
    assert.equal(s.committedSeq, 2);
    s.setPipelining(true, () => failures++);
    assert.equal(await s.put('e', Buffer.from('1')), 3);
    await s.close();
  });
});
