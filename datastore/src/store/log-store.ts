import { randomBytes } from 'node:crypto';
import { Logger, errText } from '../log';
import { ChangeFeed } from './change-feed';
import { StorageFs } from './file-system';
import { DecodeLimits, DecodedRecord, TYPE_DEL, TYPE_PUT, TYPE_SEGMENT, encodeRecord } from './record';
import { IndexEntry } from './index-entry';
import { Segment, scanSegment } from './segment';
import { SegmentFiles } from './segment-files';
import { SnapshotInstaller } from './snapshot-installer';
import { ValueCache } from './value-cache';
import { Histogram } from '../metrics';

export type { IndexEntry } from './index-entry';
export { SnapshotInstaller } from './snapshot-installer';

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

export class StoreUnavailableError extends Error {}

/** How many group commits may be on their way to the disk at once. */
const MAX_IN_FLIGHT = 2;

interface InFlight {
  batch: Pending[];
  seg: Segment;
  start: number;
  total: number;
  /** Resolves (never rejects) when the write is durable, with the error if it failed. */
  done: Promise<Error | undefined>;
}

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

  /** Time from a commit's write call to its durable return, seconds. */
  readonly commitSeconds = new Histogram();

  private readonly index = new Map<string, IndexEntry>();
  private readonly files: SegmentFiles;
  private readonly feed = new ChangeFeed();
  private readonly cache: ValueCache;
  private active!: Segment;
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
  /** Commits on their way, oldest first. */
  private inFlight: InFlight[] = [];
  /** Set while the flusher waits with a free slot: new work wakes it. */
  private wakeFlusher: (() => void) | undefined;
  /** Where the next commit goes in the active segment (past those in flight). */
  private writeOffset = 0;
  private failure: Error | undefined;
  private closing = false;
  private compacting: Promise<void> | undefined;
  private exclusive = 0; // snapshots being served or installed: no compaction meanwhile
  private idleWaiters: Array<() => void> = [];
  private commitWaiters = new Set<() => void>();

  private constructor(private readonly opts: StoreOptions) {
    this.cache = new ValueCache(opts.cacheBytes);
    this.files = new SegmentFiles(opts.fs, opts.dataDir, opts.log);
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
    for (const s of this.files.all()) {
      diskBytes += s.size;
      liveBytes += s.live + s.headerBytes;
    }
    return { segments: this.files.count, diskBytes, liveBytes, cacheBytes: this.cache.size };
  }

  // ---------------------------------------------------------------- recovery

  private async recover(): Promise<void> {
    const { log } = this.opts;
    const kept = await this.files.openExisting(SCAN_LIMITS);
    for (const { seg, header } of kept) {
      this.horizonValue = Math.max(this.horizonValue, header.horizon);
      this.storeIdValue = header.store; // ascending ids: the newest header wins
      this.files.add(seg);
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
        // Torn or damaged tail: whatever follows was never acknowledged (acks follow the sync).
        log.warn('dropping torn segment tail', { segment: seg.id, validBytes: end, droppedBytes: size - end });
        this.stats.tornBytesDropped += size - end;
        await this.files.truncate(seg, end);
      }
    }
    if (!this.storeIdValue) this.storeIdValue = randomBytes(16).toString('hex');

    let maxSeq = this.horizonValue;
    for (const e of this.index.values()) if (e.seq > maxSeq) maxSeq = e.seq;
    this.committed = this.lastAssigned = maxSeq;
    this.rebuildFeed();

    await this.roll();
    // Segments that hold only a header carry nothing the new active segment's header does not.
    await this.files.retire(this.files.all().filter((seg) => seg !== this.active && seg.size <= seg.headerBytes));
    log.info('store opened', {
      keys: this.liveKeys,
      seq: this.committed,
      segments: this.files.count,
      recoveredRecords: this.stats.recoveredRecords,
      tornBytesDropped: this.stats.tornBytesDropped,
    });
  }

  private indexRecord(seg: Segment, type: number, seq: number, key: string, off: number, len: number): boolean {
    const prev = this.index.get(key);
    if (prev && prev.seq >= seq) return false;
    if (prev) {
      const ps = this.files.get(prev.seg) ?? (prev.seg === seg.id ? seg : undefined);
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
    const seg = this.files.pin(e.seg);
    try {
      const valLen = e.len - 20 - e.keyLen;
      const buf = Buffer.allocUnsafe(valLen);
      const n = await seg.file.read(buf, 0, valLen, e.off + 20 + e.keyLen);
      if (n !== valLen) throw new Error('short read');
      this.stats.diskReads++;
      if (this.index.get(key) === e) this.cache.set(key, buf);
      return buf;
    } finally {
      this.files.unpin(seg);
    }
  }

  keys(): string[] {
    const out: string[] = [];
    for (const [k, e] of this.index) if (!e.deleted) out.push(k);
    return out.sort();
  }

  /**
   * Raw encoded records for the given entries (as stored: checksummed, replication-ready).
   * Adjacent records are read with one call.
   */
  async readRecords(entries: IndexEntry[]): Promise<Buffer[]> {
    const segs: Segment[] = [];
    try {
      for (const e of entries) segs.push(this.files.pin(e.seg)); // synchronously, before any await
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
      for (const s of segs) this.files.unpin(s);
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
      this.lastAssigned = Math.max(this.committed, ...this.pending.map((p) => p.seq), ...this.inFlight.flatMap((f) => f.batch.map((p) => p.seq)));
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
      else this.wakeFlusher?.();
    });
  }

  /**
   * Group commit: everything queued goes out as one durable write. Up to MAX_IN_FLIGHT such
   * writes may be on their way at once (each to its own reserved region of the active segment),
   * so a writer arriving during a commit does not wait for it to finish before its own starts.
   * Commits complete strictly in order: a batch is applied and acknowledged only after every
   * earlier one, and a failure fails everything after it too.
   */
  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      while (!this.failure && (this.pending.length > 0 || this.inFlight.length > 0)) {
        if (this.pending.length > 0 && this.inFlight.length < MAX_IN_FLIGHT) {
          let total = 0;
          for (const p of this.pending) total += p.buf.length;
          const seg = this.active;
          const mustRoll = this.needRoll || (this.writeOffset + total > this.opts.segmentBytes && this.writeOffset > seg.headerBytes);
          if (!mustRoll) {
            this.launch(this.pending, total);
            this.pending = [];
            continue;
          }
          if (this.inFlight.length === 0) {
            try {
              await this.roll();
            } catch (err) {
              this.fail(err);
            }
            continue;
          }
          await this.completeOldest(); // a roll waits for the commits in flight
          continue;
        }
        // No free slot, or nothing queued: apply the oldest commit when it lands; new work
        // arriving meanwhile wakes the loop so it can use a free slot at once.
        const landed = await Promise.race([
          this.inFlight[0].done.then(() => true),
          new Promise<false>((resolve) => (this.wakeFlusher = () => resolve(false))),
        ]);
        this.wakeFlusher = undefined;
        if (landed) await this.completeOldest();
      }
    } finally {
      this.flushing = false;
      if (this.failure) for (const p of this.pending.splice(0)) p.reject(new StoreUnavailableError('store failed'));
      for (const w of this.idleWaiters.splice(0)) w();
    }
    this.maybeCompact();
  }

  private launch(batch: Pending[], total: number): void {
    const seg = this.active;
    const start = this.writeOffset;
    this.writeOffset += total;
    const data = batch.length === 1 ? batch[0].buf : Buffer.concat(batch.map((p) => p.buf), total);
    const t0 = process.hrtime.bigint();
    const done = (async (): Promise<Error | undefined> => {
      try {
        await seg.file.write(data, start);
        if (!seg.file.syncOnWrite) await seg.file.datasync();
        this.commitSeconds.observe(Number(process.hrtime.bigint() - t0) / 1e9);
        return undefined;
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err));
      }
    })();
    this.inFlight.push({ batch, seg, start, total, done });
  }

  private async completeOldest(): Promise<void> {
    const c = this.inFlight[0];
    const err = await c.done;
    this.inFlight.shift();
    if (err) return this.writeFailed(c, err);
    const seg = c.seg;
    seg.size = c.start + c.total;
    this.stats.batches++;
    this.stats.fsyncs++;
    this.stats.bytesWritten += c.total;
    let off = c.start;
    for (const p of c.batch) {
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
    this.committed = c.batch[c.batch.length - 1].seq;
    if (this.feed.length > 2 * this.index.size + 4096) this.rebuildFeed();
    for (const w of [...this.commitWaiters]) w();
  }

  /** A commit failed: it and every later one in flight are refused; the log is cut back to it. */
  private async writeFailed(c: InFlight, err: Error): Promise<void> {
    this.opts.log.error('write failed', { error: errText(err), records: c.batch.length });
    const failed = [c, ...this.inFlight.splice(0)];
    for (const f of failed) {
      await f.done;
      for (const p of f.batch) p.reject(new StoreUnavailableError('write failed'));
    }
    try {
      // Cut the unacknowledged bytes so the log stays contiguous; continue in a fresh segment.
      await c.seg.file.truncate(c.start);
      await c.seg.file.datasync();
      c.seg.size = c.start;
      this.writeOffset = c.start;
      this.needRoll = true;
    } catch (err2) {
      this.fail(err2);
    }
  }

  private fail(err: unknown): void {
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.opts.log.error('store failed, refusing writes', { error: errText(err) });
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
    this.active = await this.files.create({ store: this.storeIdValue, horizon: this.horizonValue }, [], false);
    this.writeOffset = this.active.size;
    this.needRoll = false;
  }

  // ---------------------------------------------------------------- compaction

  private maybeCompact(): void {
    if (this.compacting || this.exclusive > 0 || this.closing || this.failure) return;
    let total = 0;
    let dead = 0;
    for (const s of this.files.all()) {
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
    const sealed = this.files.all().filter((s) => s !== this.active);
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

    // Copy the live records into a new segment that says which ones it replaces.
    const seg = await this.files.create({ store: this.storeIdValue, horizon }, [...ids], true);
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
        await seg.file.write(Buffer.concat(await this.readRecords(chunk)), pos);
        for (const e of chunk) {
          newOffsets.push(pos);
          pos += e.len;
        }
      }
      seg.size = pos;
      await this.files.publish(seg);
    } catch (err) {
      await this.files.discard(seg);
      throw err;
    }
    // Swap: entries superseded meanwhile (by writes to the active segment) stay as they are.
    keep.forEach(([key, old], i) => {
      if (this.index.get(key) !== old) return;
      this.index.set(key, { ...old, seg: seg.id, off: newOffsets[i] });
      seg.live += old.len;
    });
    for (const [key, old] of drop) if (this.index.get(key) === old) this.index.delete(key);
    this.horizonValue = Math.max(this.horizonValue, horizon);
    await this.files.retire(sealed);
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
      seg = await this.files.create({ store: storeId, horizon: seq }, this.files.ids(), true);
    } catch (err) {
      this.exclusive--;
      throw err;
    }
    return new SnapshotInstaller(seg, storeId, seq, (inst, commit) => this.finishInstall(inst, commit));
  }

  private async finishInstall(inst: SnapshotInstaller, commit: boolean): Promise<void> {
    const seg = inst.segment;
    try {
      if (!commit) return await this.files.discard(seg);
      const old = this.files.all();
      await this.files.publish(seg);
      // From here on the new content is what a restart would find: switch over in memory.
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
      await this.roll();
      await this.files.retire(old);
      this.stats.snapshotsInstalled++;
      for (const w of [...this.commitWaiters]) w();
    } finally {
      this.exclusive--;
    }
  }

  // ---------------------------------------------------------------- shutdown

  /** Resolves when no write is queued, in flight or being flushed. */
  idle(): Promise<void> {
    if (!this.flushing && this.pending.length === 0 && this.inFlight.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Flushes queued writes, waits for compaction, closes files. */
  async close(): Promise<void> {
    await this.idle();
    this.closing = true;
    this.wakeWaiters();
    if (this.compacting) await this.compacting;
    await this.files.closeAll();
  }
}
