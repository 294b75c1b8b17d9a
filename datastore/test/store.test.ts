import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '../src/log';
import { OpenMode, StorageFile, StorageFs, nodeFs } from '../src/store/file-system';
import { LogStore, StoreOptions } from '../src/store/log-store';
import { TYPE_PUT, encodeRecord } from '../src/store/record';
import { tmpDir } from './support/cluster';
import { PowerLossFs } from './support/power-loss-fs';

/** Real files, except that armed writes fail with EIO (a disk error on a commit). */
class FailingWritesFs implements StorageFs {
  failNext = 0;
  failures = 0;
  mkdirp = nodeFs.mkdirp;
  list = nodeFs.list;
  rename = nodeFs.rename;
  unlink = nodeFs.unlink;
  syncDir = nodeFs.syncDir;
  async open(p: string, mode: OpenMode): Promise<StorageFile> {
    const real = await nodeFs.open(p, mode);
    const owner = this;
    return {
      syncOnWrite: real.syncOnWrite,
      async write(buf: Buffer, pos: number) {
        if (owner.failNext > 0) {
          owner.failNext--;
          owner.failures++;
          await real.write(buf.subarray(0, buf.length >> 1), pos); // a partial write, then the error
          throw Object.assign(new Error('EIO'), { code: 'EIO' });
        }
        return real.write(buf, pos);
      },
      read: (b, o, l, pos) => real.read(b, o, l, pos),
      datasync: () => real.datasync(),
      truncate: (l) => real.truncate(l),
      size: () => real.size(),
      close: () => real.close(),
    };
  }
}

/** Cuts the power at the first directory fsync after `arm()`: the rename before it is undone. */
class CutAtDirSync extends PowerLossFs {
  private armed = false;
  arm(): void {
    this.armed = true;
  }
  override async syncDir(dir: string): Promise<void> {
    if (this.armed) {
      await this.crash();
      throw Object.assign(new Error('power lost'), { code: 'EIO' });
    }
    return super.syncDir(dir);
  }
}

/** The storage engine on the real file system: recovery, torn tails, compaction. */
const opts = (dataDir: string, extra: Partial<StoreOptions> = {}): StoreOptions => ({
  dataDir,
  fs: nodeFs,
  log: createLogger('error', () => undefined),
  maxKeyBytes: 256,
  maxValueBytes: 1 << 20,
  cacheBytes: 1 << 20,
  segmentBytes: 64 * 1024,
  compactRatio: 0.5,
  compactMinBytes: 1 << 30, // only when asked, unless a test lowers it
  ...extra,
});

const segs = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();
const value = async (s: LogStore, k: string): Promise<string | undefined> => (await s.get(k))?.toString();

describe('log store', () => {
  it('recovers every committed record and drops a torn tail', async () => {
    const dir = tmpDir();
    let s = await LogStore.open(opts(dir));
    await Promise.all(Array.from({ length: 100 }, (_, i) => s.put(`k${i}`, Buffer.from(`v${i}`))));
    await s.close();
    // A torn append: half of a record, then a record with a bad checksum.
    const last = path.join(dir, segs(dir).at(-1)!);
    const rec = encodeRecord(TYPE_PUT, 999, 'torn', Buffer.from('never acknowledged'));
    fs.appendFileSync(last, rec.subarray(0, rec.length >> 1));
    s = await LogStore.open(opts(dir));
    assert.equal(s.keyCount, 100);
    assert.equal(s.stats.tornBytesDropped, rec.length >> 1);
    for (let i = 0; i < 100; i++) assert.equal(await value(s, `k${i}`), `v${i}`);
    assert.equal(await value(s, 'torn'), undefined);
    await s.put('after', Buffer.from('recovery'));
    await s.close();
    const bad = Buffer.from(rec);
    bad[bad.length - 1] ^= 0xff;
    fs.appendFileSync(path.join(dir, segs(dir).at(-1)!), bad);
    s = await LogStore.open(opts(dir));
    assert.equal(await value(s, 'after'), 'recovery');
    assert.equal(await value(s, 'torn'), undefined);
    assert.equal(s.keyCount, 101);
    await s.close();
  });

  it('a segment whose header never became durable is discarded', async () => {
    const dir = tmpDir();
    let s = await LogStore.open(opts(dir));
    await s.put('a', Buffer.from('1'));
    await s.close();
    fs.writeFileSync(path.join(dir, '0000009999.seg'), Buffer.from([1, 2, 3]));
    s = await LogStore.open(opts(dir));
    assert.equal(await value(s, 'a'), '1');
    assert.ok(!fs.existsSync(path.join(dir, '0000009999.seg')));
    await s.close();
  });

  it('compaction bounds disk use under overwrites and keeps the latest values', async () => {
    const dir = tmpDir();
    let s = await LogStore.open(opts(dir, { compactMinBytes: 0, compactRatio: 0.5 }));
    for (let round = 0; round < 40; round++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => s.put(`k${i}`, Buffer.alloc(200, round))));
    }
    await s.compactNow();
    const info = s.info();
    assert.ok(s.stats.compactions >= 1);
    assert.ok(info.diskBytes < 4 * info.liveBytes + 64 * 1024, `disk ${info.diskBytes} vs live ${info.liveBytes}`);
    await s.close();
    s = await LogStore.open(opts(dir));
    for (let i = 0; i < 50; i++) assert.deepEqual(await s.get(`k${i}`), Buffer.alloc(200, 39));
    await s.close();
  });

  it('a crash between compaction and the removal of old segments neither loses nor resurrects keys', async () => {
    const dir = tmpDir();
    let s = await LogStore.open(opts(dir));
    for (let i = 0; i < 30; i++) await s.put(`k${i}`, Buffer.from(`old${i}`));
    for (let i = 0; i < 10; i++) await s.delete(`k${i}`);
    for (let i = 10; i < 20; i++) await s.put(`k${i}`, Buffer.from(`new${i}`));
    // Keep copies of the pre-compaction segments, as if their unlink never reached the disk.
    const saved = new Map(segs(dir).map((n) => [n, fs.readFileSync(path.join(dir, n))]));
    await s.compactNow();
    const seqBefore = s.committedSeq;
    assert.equal(s.changesSince(0, 10), 'too-old', 'dropped tombstones raise the feed horizon');
    await s.close();
    for (const [n, b] of saved) if (!fs.existsSync(path.join(dir, n))) fs.writeFileSync(path.join(dir, n), b);
    s = await LogStore.open(opts(dir));
    for (const n of saved.keys()) assert.ok(!fs.existsSync(path.join(dir, n)), `${n} removed as superseded`);
    for (let i = 0; i < 10; i++) assert.equal(await value(s, `k${i}`), undefined, `k${i} stays deleted`);
    for (let i = 10; i < 20; i++) assert.equal(await value(s, `k${i}`), `new${i}`);
    for (let i = 20; i < 30; i++) assert.equal(await value(s, `k${i}`), `old${i}`);
    assert.ok(s.committedSeq >= seqBefore, 'sequence numbers never go backwards');
    await s.close();
  });

  it('the change feed returns each key once, latest change only, in seq order', async () => {
    const s = await LogStore.open(opts(tmpDir()));
    await s.put('a', Buffer.from('1'));
    const mark = s.committedSeq;
    await s.put('b', Buffer.from('1'));
    await s.put('a', Buffer.from('2'));
    await s.delete('b');
    const ch = s.changesSince(mark, 100);
    assert.ok(ch !== 'too-old');
    assert.deepEqual(ch.map((e) => [e.seq, 'deleted' in e && e.deleted]), [[mark + 2, false], [mark + 3, true]]);
    await s.close();
  });

  it('installing a snapshot is all-or-nothing across a power cut', async () => {
    const NEW_STORE = 'cd'.repeat(16);
    for (const cut of ['while-writing', 'at-rename', 'after-commit'] as const) {
      const dir = tmpDir();
      let s = await LogStore.open(opts(dir));
      for (let i = 0; i < 20; i++) await s.put(`old${i}`, Buffer.from(`o${i}`));
      const oldStore = s.storeId;
      await s.close();
      const pfs = new CutAtDirSync(() => 0.5);
      s = await LogStore.open(opts(dir, { fs: pfs }));
      const inst = await s.beginInstall(NEW_STORE, 50);
      await inst.add(Array.from({ length: 30 }, (_, i) => ({ type: TYPE_PUT, seq: i + 1, key: `new${i}`, value: Buffer.from(`n${i}`), length: 0 })));
      if (cut === 'at-rename') {
        pfs.arm();
        await assert.rejects(inst.commit());
      } else if (cut === 'after-commit') {
        await inst.commit();
        await pfs.crash();
      } else await pfs.crash();
      s = await LogStore.open(opts(dir));
      if (cut === 'after-commit') {
        assert.equal(s.storeId, NEW_STORE, cut);
        assert.equal(s.committedSeq, 50, cut);
        assert.deepEqual(s.keys(), Array.from({ length: 30 }, (_, i) => `new${i}`).sort(), cut);
        assert.equal(await value(s, 'new7'), 'n7');
      } else {
        assert.equal(s.storeId, oldStore, cut);
        assert.deepEqual(s.keys(), Array.from({ length: 20 }, (_, i) => `old${i}`).sort(), cut);
        assert.equal(await value(s, 'old7'), 'o7');
      }
      await s.close();
    }
  });

  it('a failed commit is refused, cut from the log, and writing goes on in a new segment', async () => {
    const dir = tmpDir();
    const ffs = new FailingWritesFs();
    let s = await LogStore.open(opts(dir, { fs: ffs }));
    await s.put('before', Buffer.from('ok'));
    ffs.failNext = 1;
    const results = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => s.put(`k${i}`, Buffer.from(`v${i}`))));
    const ok = results.map((r, i) => [r.status, i] as const).filter(([st]) => st === 'fulfilled').map(([, i]) => i);
    assert.equal(ffs.failures, 1);
    assert.ok(ok.length < 60, 'some writes were refused');
    await s.put('after', Buffer.from('ok'));
    assert.equal(s.failed, false);
    await s.close();
    s = await LogStore.open(opts(dir));
    assert.equal(s.stats.tornBytesDropped, 0, 'the partial write was cut before anything followed it');
    assert.equal(await value(s, 'before'), 'ok');
    assert.equal(await value(s, 'after'), 'ok');
    for (const i of ok) assert.equal(await value(s, `k${i}`), `v${i}`);
    for (let i = 0; i < 60; i++) if (!ok.includes(i)) assert.equal(await value(s, `k${i}`), undefined, `refused k${i} absent`);
    await s.close();
  });
});
