import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Logger, errText } from '../log';
import { ChangeFeed } from './change-feed';
import { StorageFs } from './file-system';
import { DecodeLimits, DecodedRecord, TYPE_DEL, TYPE_PUT, TYPE_SEGMENT, encodeRecord } from './record';
import { Segment, SegmentHeader, parseHeader, parseSegmentName, scanSegment, segmentName } from './segment';
import { ValueCache } from './value-cache';

export interface StoreOptions {
  dataDir: string;
  fs: StorageFs;
  log: Logger;
  maxKeyBytes: number;
  maxValueBytes: number;
  cacheBytes: number;
  segmentBytes: number;
  compactRatio: number;
  compactMinBytes: number;
}

/** Where the latest record of a key lives. */
export interface IndexEntry {
  readonly seq: number;
  readonly seg: number;
  /** Offset of the record in its segment. */
  readonly off: number;
  /** Encoded record length. */
  readonly len: number;
  readonly keyLen: number;
  readonly deleted: boolean;
}

export class StoreUnavailableError extends Error {}

interface Pending {
  type: number;
  seq: number;
  key: string;
  value: Buffer | undefined;
  buf: Buffer;
  resolve: (existed: boolean) => void;
  reject: (err: Error) => void;
}

export interface StoreStats {
  putsCommitted: number;
  deletesCommitted: number;
  batches: number;
  fsyncs: number;
  bytesWritten: number;
  diskReads: number;
  compactions: number;
  recoveredRecords: number;
  tornBytesDropped: number;
  snapshotsInstalled: number;
}

/** Bytes of recently committed records kept for the change stream. */
const RECENT_BYTES = 8 << 20;

/** Limits for reading our own files back: generous, so a lowered config limit never hides data. */
const SCAN_LIMITS: DecodeLimits = { maxKeyBytes: 65535, maxValueBytes: 1 << 30 };

/**
 * Bitcask-style store: append-only segment files of checksummed records, an in-memory index
 * from key to the latest record, group-committed fdatasync before any write is acknowledged,
 * and compaction that rewrites live records into a new segment.
 */
export class LogStore {
  readonly stats: StoreStats = {
    putsCommitted: 0,
    deletesCommitted: 0,
    batches: 0,
    fsyncs: 0,
    bytesWritten: 0,
    diskReads: 0,
    compactions: 0,
    recoveredRecords: 0,
    tornBytesDropped: 0,
    snapshotsInstalled: 0,
  };

  private readonly index = new Map<string, IndexEntry>();
  private readonly segments = new Map<number, Segment>();
  private readonly feed = new ChangeFeed();
  private readonly cache: ValueCache;
  private active!: Segment;
  private nextSegmentId = 1;
  private liveKeys = 0;
  private storeIdValue = '';
  private horizonValue = 0;
  private committed = 0;
  private lastAssigned = 0;

  /** Encoded records of the latest commits, so the change stream rarely reads the disk. */
  private readonly recent = new Map<number, Buffer>();
  private recentBytes = 0;

  private pending: Pending[] = [];
  private flushing = false;
  private needRoll = false;
  private failure: Error | undefined;
  private closing = false;
  private compacting: Promise<void> | undefined;
  private exclusive = 0; // snapshots being served or installed: no compaction meanwhile
  private idleWaiters: Array<() => void> = [];
  private commitWaiters = new Set<() => void>();

  private constructor(private readonly opts: StoreOptions) {
    this.cache = new ValueCache(opts.cacheBytes);
  }

  static async open(opts: StoreOptions): Promise<LogStore> {
    const store = new LogStore(opts);
    await store.recover();
    return store;
  }

  get storeId(): string {
    return this.storeIdValue;
  }
  /** Highest seq that is durable and visible. */
  get committedSeq(): number {
    return this.committed;
  }
  get horizon(): number {
    return this.horizonValue;
  }
  get keyCount(): number {
    return this.liveKeys;
  }
  get failed(): boolean {
    return this.failure !== undefined;
  }

  info(): { segments: number; diskBytes: number; liveBytes: number; cacheBytes: number } {
    let diskBytes = 0;
    let liveBytes = 0;
    for (const s of this.segments.values()) {
      diskBytes += s.size;
      liveBytes += s.live + s.headerBytes;
    }
    return { segments: this.segments.size, diskBytes, liveBytes, cacheBytes: this.cache.size };
  }

  // ---------------------------------------------------------------- recovery

  private p(name: string): string {
    return path.join(this.opts.dataDir, name);
  }

  private async recover(): Promise<void> {
    const { fs, log } = this.opts;
    await fs.mkdirp(this.opts.dataDir);
    const names = await fs.list(this.opts.dataDir);
    let removed = false;
    for (const n of names) {
      if (n.endsWith('.seg.tmp')) {
        await fs.unlink(this.p(n)); // an unfinished compaction or snapshot install
        removed = true;
      }
    }
    const ids = names.map(parseSegmentName).filter((n): n is number => n !== undefined).sort((a, b) => a - b);
    if (ids.length) this.nextSegmentId = ids[ids.length - 1] + 1;

    // Open every segment and read its header.
    const opened: Array<{ seg: Segment; header: SegmentHeader }> = [];
    for (const id of ids) {
      const file = await fs.open(this.p(segmentName(id)), 'readwrite');
      const size = await file.size();
      let header: SegmentHeader | undefined;
      let headerBytes = 0;
      await scanSegment(file, Math.min(size, 1 << 20), SCAN_LIMITS, (rec, off) => {
        if (off === 0 && rec.type === TYPE_SEGMENT) {
          header = parseHeader(rec);
          headerBytes = rec.length;
        }
        return false; // only the first record matters here
      }).catch(() => 0);
      if (!header) {
        // Created but its header never became durable, so it never held an acknowledged write.
        log.warn('removing segment without a valid header', { segment: id, bytes: size });
        await file.close();
        await fs.unlink(this.p(segmentName(id)));
        removed = true;
        continue;
      }
      const seg: Segment = { id, path: this.p(segmentName(id)), file, size, headerBytes, live: 0, pins: 0, retired: false };
      opened.push({ seg, header });
    }
    // Segments superseded by a finished compaction or snapshot install.
    const replaced = new Set<number>();
    for (const o of opened) for (const r of o.header.replaces) replaced.add(r);
    const kept: typeof opened = [];
    for (const o of opened) {
      if (replaced.has(o.seg.id)) {
        await o.seg.file.close();
        await fs.unlink(o.seg.path);
        removed = true;
      } else kept.push(o);
    }
    if (removed) await fs.syncDir(this.opts.dataDir);

    for (const { seg, header } of kept) {
      this.horizonValue = Math.max(this.horizonValue, header.horizon);
      this.storeIdValue = header.store; // ascending ids: the newest header wins
      const size = seg.size;
      const end = await scanSegment(seg.file, size, SCAN_LIMITS, (rec, off) => {
        if (off === 0) return true; // the header
        if (rec.type === TYPE_SEGMENT) return false; // only valid first: treat as damage
        if (rec.key.length === 0 || (rec.type === TYPE_DEL && rec.value.length !== 0)) return false;
        this.stats.recoveredRecords++;
        this.indexRecord(seg, rec.type, rec.seq, rec.key, off, rec.length);
        return true;
      });
      if (end < size) {
        // Torn or damaged tail: whatever follows was never acknowledged (acks follow fdatasync).
        log.warn('dropping torn segment tail', { segment: seg.id, validBytes: end, droppedBytes: size - end });
        this.stats.tornBytesDropped += size - end;
        await seg.file.truncate(end);
        await seg.file.datasync();
        seg.size = end;
      }
      this.segments.set(seg.id, seg);
    }
    if (!this.storeIdValue) this.storeIdValue = randomBytes(16).toString('hex');

    let maxSeq = this.horizonValue;
    for (const e of this.index.values()) if (e.seq > maxSeq) maxSeq = e.seq;
    this.committed = this.lastAssigned = maxSeq;
    this.rebuildFeed();

    this.active = await this.createSegment([]);
    // Segments that hold only a header carry nothing the new active segment's header does not.
    let dropped = false;
    for (const seg of [...this.segments.values()]) {
      if (seg !== this.active && seg.size <= seg.headerBytes) {
        this.segments.delete(seg.id);
        await seg.file.close();
        await fs.unlink(seg.path);
        dropped = true;
      }
    }
    if (dropped) await fs.syncDir(this.opts.dataDir);
    log.info('store opened', {
      keys: this.liveKeys,
      seq: this.committed,
      segments: this.segments.size,
      recoveredRecords: this.stats.recoveredRecords,
      tornBytesDropped: this.stats.tornBytesDropped,
    });
  }

  private indexRecord(seg: Segment, type: number, seq: number, key: string, off: number, len: number): boolean {
    const prev = this.index.get(key);
    if (prev && prev.seq >= seq) return false;
    if (prev) {
      const ps = this.segments.get(prev.seg) ?? (prev.seg === seg.id ? seg : undefined);
      if (ps) ps.live -= prev.len;
      if (!prev.deleted) this.liveKeys--;
    }
    const deleted = type === TYPE_DEL;
    this.index.set(key, { seq, seg: seg.id, off, len, keyLen: Buffer.byteLength(key, 'latin1'), deleted });
    seg.live += len;
    if (!deleted) this.liveKeys++;
    return prev !== undefined && !prev.deleted;
  }

  private rebuildFeed(): void {
    const entries: Array<{ seq: number; key: string }> = [];
    for (const [key, e] of this.index) entries.push({ seq: e.seq, key });
    entries.sort((a, b) => a.seq - b.seq);
    this.feed.reset(entries);
  }

  private async createSegment(
    replaces: number[],
    tmp = false,
    fields: { store: string; horizon: number } = { store: this.storeIdValue, horizon: this.horizonValue },
  ): Promise<Segment> {
    const id = this.nextSegmentId++;
    const header: SegmentHeader = { v: 1, store: fields.store, horizon: fields.horizon, replaces };
    const rec = encodeRecord(TYPE_SEGMENT, 0, '', Buffer.from(JSON.stringify(header)));
    const finalPath = this.p(segmentName(id));
    const file = await this.opts.fs.open(tmp ? finalPath + '.tmp' : finalPath, 'create');
    await file.write(rec, 0);
    await file.datasync();
    if (!tmp) await this.opts.fs.syncDir(this.opts.dataDir);
    const seg: Segment = { id, path: finalPath, file, size: rec.length, headerBytes: rec.length, live: 0, pins: 0, retired: false };
    if (!tmp) this.segments.set(id, seg);
    return seg;
  }

  // ---------------------------------------------------------------- reads

  /** The value, synchronously when cached; undefined when absent. */
  get(key: string): Buffer | undefined | Promise<Buffer | undefined> {
    const e = this.index.get(key);
    if (!e || e.deleted) return undefined;
    const cached = this.cache.get(key);
    if (cached) return cached;
    return this.readValue(key, e);
  }

  has(key: string): boolean {
    const e = this.index.get(key);
    return e !== undefined && !e.deleted;
  }

  private async readValue(key: string, e: IndexEntry): Promise<Buffer | undefined> {
    const seg = this.pin(e.seg);
    try {
      const valLen = e.len - 20 - e.keyLen;
      const buf = Buffer.allocUnsafe(valLen);
      const n = await seg.file.read(buf, 0, valLen, e.off + 20 + e.keyLen);
      if (n !== valLen) throw new Error('short read');
      this.stats.diskReads++;
      if (this.index.get(key) === e) this.cache.set(key, buf);
      return buf;
    } finally {
      this.unpin(seg);
    }
  }

  keys(): string[] {
    const out: string[] = [];
    for (const [k, e] of this.index) if (!e.deleted) out.push(k);
    return out.sort();
  }

  private pin(id: number): Segment {
    const seg = this.segments.get(id);
    if (!seg) throw new StoreUnavailableError('segment gone');
    seg.pins++;
    return seg;
  }

  private unpin(seg: Segment): void {
    seg.pins--;
    if (seg.retired && seg.pins === 0) seg.file.close().catch(() => undefined);
  }

  /**
   * Raw encoded records for the given entries (as stored: checksummed, replication-ready).
   * Adjacent records are read with one call.
   */
  async readRecords(entries: IndexEntry[]): Promise<Buffer[]> {
    const segs = entries.map((e) => this.pin(e.seg)); // pin synchronously, before any await
    try {
      const out: Buffer[] = [];
      let i = 0;
      while (i < entries.length) {
        let j = i + 1;
        let end = entries[i].off + entries[i].len;
        while (j < entries.length && entries[j].seg === entries[i].seg && entries[j].off === end && end - entries[i].off < 4 << 20) {
          end += entries[j].len;
          j++;
        }
        const buf = Buffer.allocUnsafe(end - entries[i].off);
        const n = await segs[i].file.read(buf, 0, buf.length, entries[i].off);
        if (n !== buf.length) throw new Error('short read');
        this.stats.diskReads++;
        out.push(buf);
        i = j;
      }
      return out;
    } finally {
      for (const s of segs) this.unpin(s);
    }
  }

  // ---------------------------------------------------------------- change feed

  /** Latest changes after `since`, in seq order; 'too-old' when the feed cannot answer. */
  changesSince(since: number, limit: number): IndexEntry[] | 'too-old' {
    if (since < this.horizonValue || since > this.committed) return 'too-old';
    const out: IndexEntry[] = [];
    for (const { key } of this.feed.since(since, limit, (k) => this.index.get(k)?.seq)) {
      const e = this.index.get(key);
      if (e && e.seq <= this.committed) out.push(e);
    }
    return out;
  }

  /** Resolves once something after `since` is committed, after `timeoutMs`, or at close. */
  waitForCommit(since: number, timeoutMs: number): Promise<void> {
    if (this.committed > since || this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.commitWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.commitWaiters.add(done);
    });
  }

  /** Wakes every long-poll now (used at shutdown). */
  wakeWaiters(): void {
    for (const w of [...this.commitWaiters]) w();
  }

  /**
   * A consistent view of all live keys as of now, for a follower's full resync. Compaction
   * waits until release() is called.
   */
  beginSnapshot(): { storeId: string; seq: number; entries: IndexEntry[]; release: () => void } {
    this.exclusive++;
    const entries: IndexEntry[] = [];
    for (const e of this.index.values()) if (!e.deleted) entries.push(e);
    entries.sort((a, b) => a.seg - b.seg || a.off - b.off);
    let released = false;
    return {
      storeId: this.storeIdValue,
      seq: this.committed,
      entries,
      release: () => {
        if (released) return;
        released = true;
        this.exclusive--;
        this.maybeCompact();
      },
    };
  }

  // ---------------------------------------------------------------- writes

  /** Durably stores the value; resolves after fdatasync. */
  async put(key: string, value: Buffer): Promise<void> {
    await this.enqueue(TYPE_PUT, ++this.lastAssigned, key, value);
  }

  /** Durably deletes; resolves false (and writes nothing) when the key is absent. */
  async delete(key: string): Promise<boolean> {
    if (!this.has(key)) return false;
    return this.enqueue(TYPE_DEL, ++this.lastAssigned, key, undefined);
  }

  /** Applies records received from the leader, keeping their sequence numbers. */
  async applyReplicated(records: DecodedRecord[]): Promise<void> {
    const waits: Array<Promise<boolean>> = [];
    for (const r of records) {
      if (r.seq <= this.lastAssigned) throw new StoreUnavailableError('replicated record out of order');
      if (r.type !== TYPE_PUT && r.type !== TYPE_DEL) throw new StoreUnavailableError('bad record type');
      this.lastAssigned = r.seq;
      waits.push(this.enqueue(r.type, r.seq, r.key, r.type === TYPE_PUT ? Buffer.from(r.value) : undefined));
    }
    try {
      await Promise.all(waits);
    } catch (err) {
      this.lastAssigned = Math.max(this.committed, ...this.pending.map((p) => p.seq));
      throw err;
    }
  }

  private enqueue(type: number, seq: number, key: string, value: Buffer | undefined): Promise<boolean> {
    if (this.failure) return Promise.reject(new StoreUnavailableError('store failed'));
    if (this.closing) return Promise.reject(new StoreUnavailableError('store closing'));
    const buf = encodeRecord(type, seq, key, value);
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ type, seq, key, value, buf, resolve, reject });
      if (!this.flushing) void this.flushLoop();
    });
  }

  /** Group commit: everything queued while one fdatasync runs goes out in the next one. */
  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0 && !this.failure) {
        const batch = this.pending;
        this.pending = [];
        await this.commitBatch(batch);
      }
    } finally {
      this.flushing = false;
      if (this.failure) for (const p of this.pending.splice(0)) p.reject(new StoreUnavailableError('store failed'));
      for (const w of this.idleWaiters.splice(0)) w();
    }
    this.maybeCompact();
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    let total = 0;
    for (const p of batch) total += p.buf.length;
    const seg = this.active;
    const start = seg.size;
    try {
      if (this.needRoll || (start + total > this.opts.segmentBytes && start > seg.headerBytes)) {
        await this.roll();
        return this.commitBatch(batch);
      }
      const data = batch.length === 1 ? batch[0].buf : Buffer.concat(batch.map((p) => p.buf), total);
      await seg.file.write(data, start);
      if (!seg.file.syncOnWrite) await seg.file.datasync();
    } catch (err) {
      this.opts.log.error('write failed', { error: errText(err), records: batch.length });
      for (const p of batch) p.reject(new StoreUnavailableError('write failed'));
      try {
        // Cut the unacknowledged bytes so the log stays contiguous; continue in a fresh segment.
        await seg.file.truncate(start);
        await seg.file.datasync();
        seg.size = start;
        this.needRoll = true;
      } catch (err2) {
        this.failure = err2 instanceof Error ? err2 : new Error(String(err2));
        this.opts.log.error('store failed, refusing writes', { error: errText(err2) });
      }
      return;
    }
    seg.size = start + total;
    this.stats.batches++;
    this.stats.fsyncs++;
    this.stats.bytesWritten += total;
    let off = start;
    for (const p of batch) {
      const existed = this.indexRecord(seg, p.type, p.seq, p.key, off, p.buf.length);
      off += p.buf.length;
      if (p.type === TYPE_PUT) {
        this.stats.putsCommitted++;
        this.cache.set(p.key, p.value!);
      } else {
        this.stats.deletesCommitted++;
        this.cache.delete(p.key);
      }
      this.feed.push(p.seq, p.key);
      this.remember(p.seq, p.buf);
      p.resolve(existed);
    }
    this.committed = batch[batch.length - 1].seq;
    if (this.feed.length > 2 * this.index.size + 4096) this.rebuildFeed();
    for (const w of [...this.commitWaiters]) w();
  }

  private remember(seq: number, buf: Buffer): void {
    this.recent.set(seq, buf);
    this.recentBytes += buf.length;
    while (this.recentBytes > RECENT_BYTES) {
      const oldest = this.recent.entries().next();
      if (oldest.done) break;
      this.recent.delete(oldest.value[0]);
      this.recentBytes -= oldest.value[1].length;
    }
  }

  /** Encoded records for the change stream: from memory when recent, else from disk. */
  async recordsFor(entries: IndexEntry[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (const e of entries) {
      const b = this.recent.get(e.seq);
      if (!b) return this.readRecords(entries);
      out.push(b);
    }
    return out;
  }

  private async roll(): Promise<void> {
    this.active = await this.createSegment([]);
    this.needRoll = false;
  }

  // ---------------------------------------------------------------- compaction

  private maybeCompact(): void {
    if (this.compacting || this.exclusive > 0 || this.closing || this.failure) return;
    let total = 0;
    let dead = 0;
    for (const s of this.segments.values()) {
      if (s === this.active) continue;
      total += s.size - s.headerBytes;
      dead += s.size - s.headerBytes - s.live;
    }
    if (dead <= 0 || dead < this.opts.compactMinBytes || dead < this.opts.compactRatio * total) return;
    this.compacting = this.compact()
      .catch((err) => this.opts.log.error('compaction failed', { error: errText(err) }))
      .finally(() => {
        this.compacting = undefined;
      });
  }

  /** Forces a compaction of the sealed segments (rolls the active one first). For tests/ops. */
  async compactNow(): Promise<void> {
    await this.idle();
    await this.roll();
    if (this.compacting) await this.compacting;
    this.compacting = this.compact().finally(() => {
      this.compacting = undefined;
    });
    await this.compacting;
  }

  private async compact(): Promise<void> {
    const sealed = [...this.segments.values()].filter((s) => s !== this.active);
    if (sealed.length === 0) return;
    const ids = new Set(sealed.map((s) => s.id));
    const keep: Array<[string, IndexEntry]> = [];
    const drop: Array<[string, IndexEntry]> = [];
    let horizon = this.horizonValue;
    for (const [key, e] of this.index) {
      if (!ids.has(e.seg)) continue;
      if (e.deleted) {
        drop.push([key, e]);
        if (e.seq > horizon) horizon = e.seq;
      } else keep.push([key, e]);
    }
    keep.sort((a, b) => a[1].seg - b[1].seg || a[1].off - b[1].off);

    const seg = await this.createSegment([...ids], true, { store: this.storeIdValue, horizon });
    const newOffsets: number[] = [];
    try {
      let pos = seg.size;
      for (let i = 0; i < keep.length; ) {
        const chunk: IndexEntry[] = [];
        let bytes = 0;
        while (i < keep.length && (chunk.length === 0 || bytes < 1 << 20)) {
          chunk.push(keep[i][1]);
          bytes += keep[i][1].len;
          i++;
        }
        const bufs = await this.readRecords(chunk);
        const data = Buffer.concat(bufs);
        await seg.file.write(data, pos);
        for (const e of chunk) {
          newOffsets.push(pos);
          pos += e.len;
        }
      }
      seg.size = pos;
      await seg.file.datasync();
      await this.opts.fs.rename(seg.path + '.tmp', seg.path);
      await this.opts.fs.syncDir(this.opts.dataDir);
    } catch (err) {
      await seg.file.close().catch(() => undefined);
      await this.opts.fs.unlink(seg.path + '.tmp').catch(() => undefined);
      throw err;
    }
    // Swap: entries superseded meanwhile (by writes to the active segment) stay as they are.
    this.segments.set(seg.id, seg);
    keep.forEach(([key, old], i) => {
      if (this.index.get(key) !== old) return;
      this.index.set(key, { ...old, seg: seg.id, off: newOffsets[i] });
      seg.live += old.len;
    });
    for (const [key, old] of drop) if (this.index.get(key) === old) this.index.delete(key);
    this.horizonValue = Math.max(this.horizonValue, horizon);
    for (const s of sealed) {
      this.segments.delete(s.id);
      s.retired = true;
      if (s.pins === 0) await s.file.close().catch(() => undefined);
      await this.opts.fs.unlink(s.path);
    }
    await this.opts.fs.syncDir(this.opts.dataDir);
    this.stats.compactions++;
    this.opts.log.info('compaction done', { replaced: sealed.length, liveRecords: keep.length, tombstonesDropped: drop.length });
  }

  // ---------------------------------------------------------------- snapshot install (followers)

  /**
   * Starts replacing the whole content with a snapshot from the leader. Records are written to a
   * new segment that, once committed, supersedes every existing one (crash-safe by its header).
   */
  async beginInstall(storeId: string, seq: number): Promise<SnapshotInstaller> {
    if (!/^[0-9a-f]{32}$/.test(storeId)) throw new StoreUnavailableError('bad store id');
    await this.idle();
    if (this.compacting) await this.compacting;
    this.exclusive++;
    let seg: Segment;
    try {
      seg = await this.createSegment([...this.segments.keys()], true, { store: storeId, horizon: seq });
    } catch (err) {
      this.exclusive--;
      throw err;
    }
    return new SnapshotInstaller(this, seg, storeId, seq, (s, r) => this.finishInstall(s, r));
  }

  /** @internal */
  private async finishInstall(inst: SnapshotInstaller, commit: boolean): Promise<void> {
    const seg = inst.segment;
    try {
      if (!commit) {
        await seg.file.close().catch(() => undefined);
        await this.opts.fs.unlink(seg.path + '.tmp').catch(() => undefined);
        return;
      }
      await seg.file.datasync();
      await this.opts.fs.rename(seg.path + '.tmp', seg.path);
      await this.opts.fs.syncDir(this.opts.dataDir);
      const old = [...this.segments.values()];
      this.segments.clear();
      this.segments.set(seg.id, seg);
      this.index.clear();
      this.cache.clear();
      this.recent.clear();
      this.recentBytes = 0;
      this.liveKeys = 0;
      for (const [key, e] of inst.entries) {
        this.index.set(key, e);
        if (!e.deleted) this.liveKeys++;
        seg.live += e.len;
      }
      this.storeIdValue = inst.storeId;
      this.horizonValue = inst.seq;
      this.committed = this.lastAssigned = inst.seq;
      this.rebuildFeed();
      this.active = await this.createSegment([]);
      for (const s of old) {
        s.retired = true;
        if (s.pins === 0) await s.file.close().catch(() => undefined);
        await this.opts.fs.unlink(s.path);
      }
      await this.opts.fs.syncDir(this.opts.dataDir);
      this.stats.snapshotsInstalled++;
      for (const w of [...this.commitWaiters]) w();
    } finally {
      this.exclusive--;
    }
  }

  // ---------------------------------------------------------------- shutdown

  /** Resolves when no write is queued or being flushed. */
  idle(): Promise<void> {
    if (!this.flushing && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Flushes queued writes, waits for compaction, closes files. */
  async close(): Promise<void> {
    await this.idle();
    this.closing = true;
    this.wakeWaiters();
    if (this.compacting) await this.compacting;
    for (const s of this.segments.values()) await s.file.close().catch(() => undefined);
    this.segments.clear();
  }
}

/** Writes a snapshot stream into a new segment; see LogStore.beginInstall. */
export class SnapshotInstaller {
  readonly entries = new Map<string, IndexEntry>();
  private done = false;

  constructor(
    private readonly store: LogStore,
    readonly segment: Segment,
    readonly storeId: string,
    readonly seq: number,
    private readonly finish: (inst: SnapshotInstaller, commit: boolean) => Promise<void>,
  ) {}

  /** Appends validated records (each seq <= the snapshot seq). */
  async add(records: DecodedRecord[]): Promise<void> {
    const bufs: Buffer[] = [];
    let pos = this.segment.size;
    for (const r of records) {
      if (r.type !== TYPE_PUT || r.seq > this.seq) throw new StoreUnavailableError('bad snapshot record');
      const buf = encodeRecord(r.type, r.seq, r.key, r.value);
      const prev = this.entries.get(r.key);
      if (!prev || prev.seq < r.seq) {
        this.entries.set(r.key, { seq: r.seq, seg: this.segment.id, off: pos, len: buf.length, keyLen: r.key.length, deleted: false });
      }
      bufs.push(buf);
      pos += buf.length;
    }
    await this.segment.file.write(Buffer.concat(bufs), this.segment.size);
    this.segment.size = pos;
  }

  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.finish(this, true);
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.finish(this, false);
  }
}
