// About 300 lines: this is the engine's whole public surface (reads, writes, change stream,
// snapshots, shutdown); every method is short and delegates to the parts listed on LogStore.
import { randomBytes } from 'node:crypto';
import { StoreUnavailableError } from '../errors';
import { ChangeStream, InFlightRecord } from './change-stream';
import { CommitHost, CommitPipeline, QueuedWrite } from './commit-pipeline';
import { CompactionHost, Compactor } from './compactor';
import { IndexEntry } from './index-entry';
import { KeyIndex } from './key-index';
import { DecodedRecord, TYPE_DEL, TYPE_PUT } from './record';
import { recoverSegments } from './recovery';
import { Segment } from './segment';
import { SegmentFiles } from './segment-files';
import { readRecords, readValue } from './segment-reads';
import { SnapshotInstaller } from './snapshot-installer';
import { StoreOptions, StoreStats, newStoreStats } from './store-types';
import { ValueCache } from './value-cache';

export type { IndexEntry } from './index-entry';
export type { StoreOptions, StoreStats } from './store-types';
export type { InFlightRecord } from './change-stream';

/** One change-stream item: a committed record (index entry) or an in-flight one (its bytes). */
export type ChangeItem = IndexEntry | InFlightRecord;
export { SnapshotInstaller } from './snapshot-installer';
export { StoreUnavailableError } from '../errors';

/** Data-set ids are 16 random bytes, in hex. */
const STORE_ID = /^[0-9a-f]{32}$/;

/**
 * Bitcask-style store: append-only segment files of checksummed records, an in-memory index from
 * key to the latest record, writes acknowledged only once durable, compaction of sealed segments.
 * It keeps the index, the sequence numbers and the change feed, and composes the parts:
 * SegmentFiles (files), CommitPipeline (group commit), Compactor, SnapshotInstaller (followers'
 * full resync), recoverSegments (start), ValueCache and ChangeStream (reads from memory).
 */
export class LogStore {
  /** Counters, shared with the parts. */
  readonly stats: StoreStats = newStoreStats();

  private readonly files: SegmentFiles;
  private readonly index: KeyIndex;
  private readonly pipeline: CommitPipeline;
  private readonly compactor: Compactor;
  private readonly changes: ChangeStream;
  private readonly cache: ValueCache;
  private storeIdValue = '';
  private horizonValue = 0;
  private committed = 0;
  private lastAssigned = 0;
  private closing = false;
  /** Leader pipelining: launched records are streamed before they are durable here. */
  private streaming = false;
  /** Highest seq launched while streaming. */
  private launchedValue = 0;
  /** Highest seq ever launched while streaming (kept when streaming stops: it may be on a follower). */
  private exposedSeq = 0;
  /** Set when a commit failed while streaming: no write is taken until setPipelining(true). */
  private refusing = false;
  private onStreamFailure: (() => void) | undefined;
  /** Snapshots being served or installed: no compaction meanwhile. */
  private exclusive = 0;

  private constructor(private readonly opts: StoreOptions) {
    this.cache = new ValueCache(opts.cacheBytes);
    this.files = new SegmentFiles(opts.fs, opts.dataDir, opts.log);
    this.index = new KeyIndex(this.files);
    this.changes = new ChangeStream(this.index);
    this.pipeline = new CommitPipeline(opts.segmentBytes, this.stats, opts.log, this.commitHost());
    this.compactor = new Compactor(this.files, this.index, this.compactionHost(), opts, this.stats, opts.log);
  }

  /** Opens (or creates) the store in `opts.dataDir`, recovering what a crash left. */
  static async open(opts: StoreOptions): Promise<LogStore> {
    const store = new LogStore(opts);
    await store.recover();
    return store;
  }

  /** Data-set id: changes only when a snapshot of another data set is installed. */
  get storeId(): string {
    return this.storeIdValue;
  }
  /** Highest seq that is durable and visible. */
  get committedSeq(): number {
    return this.committed;
  }
  /**
   * Highest seq the change stream may send: the highest launched one while pipelining (records
   * past `committedSeq` are in flight to the disk), else `committedSeq`.
   */
  get launchedSeq(): number {
    return this.streaming ? Math.max(this.committed, this.launchedValue) : this.committed;
  }
  /** The change feed cannot answer below this seq (tombstones up to it were compacted away). */
  get horizon(): number {
    return this.horizonValue;
  }
  /** Live keys. */
  get keyCount(): number {
    return this.index.liveKeys;
  }
  /** True once a write failure made the store refuse writes (reads still work). */
  get failed(): boolean {
    return this.pipeline.failed;
  }
  /** Durable write time of one group commit. */
  get commitSeconds(): CommitPipeline['commitSeconds'] {
    return this.pipeline.commitSeconds;
  }

  /** Segment count and byte totals, for metrics. */
  info(): { segments: number; diskBytes: number; liveBytes: number; cacheBytes: number } {
    return { ...this.files.usage(), cacheBytes: this.cache.size };
  }

  private async recover(): Promise<void> {
    const found = await recoverSegments(this.files, this.index, this.stats, this.opts.log);
    this.storeIdValue = found.storeId || randomBytes(16).toString('hex');
    this.horizonValue = found.horizon;
    this.committed = this.lastAssigned = Math.max(this.horizonValue, this.index.maxSeq());
    this.changes.reset();
    await this.pipeline.roll();
    // Segments that hold only a header carry nothing the new active segment's header does not.
    const active = this.pipeline.activeSegment;
    await this.files.retire(this.files.all().filter((seg) => seg !== active && seg.size <= seg.headerBytes));
    this.opts.log.info('store opened', {
      keys: this.keyCount,
      seq: this.committed,
      segments: this.files.count,
      recoveredRecords: this.stats.recoveredRecords,
      tornBytesDropped: this.stats.tornBytesDropped,
    });
  }

  /** The value, synchronously when cached; undefined when absent. */
  get(key: string): Buffer | undefined | Promise<Buffer | undefined> {
    const e = this.index.get(key);
    if (!e || e.deleted) return undefined;
    return this.cache.get(key) ?? this.readThrough(key, e);
  }

  /** True when the key has a live value. */
  has(key: string): boolean {
    const e = this.index.get(key);
    return e !== undefined && !e.deleted;
  }

  /** Live keys, sorted. */
  keys(): string[] {
    return this.index.sortedLiveKeys();
  }

  private async readThrough(key: string, e: IndexEntry): Promise<Buffer> {
    const buf = await readValue(this.files, e);
    this.stats.diskReads++;
    if (this.index.get(key) === e) this.cache.set(key, buf);
    return buf;
  }

  /** Raw encoded records for the given entries (checksummed, replication-ready), from disk. */
  readRecords(entries: IndexEntry[]): Promise<Buffer[]> {
    return readRecords(this.files, entries, () => this.stats.diskReads++);
  }

  /** Encoded records for the change stream (committed ones first): from memory when recent, else from disk. */
  async recordsFor(items: readonly ChangeItem[]): Promise<Buffer[]> {
    let n = 0;
    while (n < items.length && !('buf' in items[n])) n++;
    const entries = items.slice(0, n) as IndexEntry[];
    const durable = entries.length ? (this.changes.cachedRecords(entries) ?? (await this.readRecords(entries))) : [];
    for (let i = n; i < items.length; i++) durable.push((items[i] as InFlightRecord).buf);
    return durable;
  }

  /**
   * Latest changes after `since`, in seq order; 'too-old' when the feed cannot answer. While
   * pipelining, the in-flight records follow the committed ones (only when every committed
   * change after `since` is included, so nothing is skipped).
   */
  changesSince(since: number, limit: number): ChangeItem[] | 'too-old' {
    if (since < this.horizonValue || since > this.launchedSeq) return 'too-old';
    const out: ChangeItem[] = since < this.committed ? this.changes.since(since, limit, this.committed) : [];
    if (!this.streaming || out.length >= limit) return out;
    for (const r of this.changes.inFlightAfter(Math.max(since, this.committed), limit - out.length)) out.push(r);
    return out;
  }

  /** Resolves once something after `since` can be streamed (committed, or launched while pipelining), after `timeoutMs`, or at close. */
  waitForChanges(since: number, timeoutMs: number): Promise<void> {
    if (this.launchedSeq > since || this.closing) return Promise.resolve();
    return this.changes.nextCommit(timeoutMs);
  }

  /**
   * Leader pipelining on or off (MEHDB_FAILOVER=lease, on while leading). On: each group commit's
   * records are streamable once launched to the disk, and a failed commit (whose records may
   * have been sent) makes the store refuse writes and calls `onFailure` (the leader steps down),
   * instead of cutting the tail and continuing. Off: only durable records are streamed.
   */
  setPipelining(on: boolean, onFailure?: () => void): void {
    this.streaming = on;
    this.onStreamFailure = on ? onFailure : undefined;
    this.changes.forgetInFlight();
    this.launchedValue = this.committed;
    if (on) {
      this.refusing = false;
      // Seqs that failed writes used up are free again: no record holds them here.
      this.lastAssigned = Math.max(this.committed, this.pipeline.highestQueuedSeq());
    }
  }

  /** Wakes every long-poll now (used at shutdown). */
  wakeWaiters(): void {
    this.changes.wakeAll();
  }

  /**
   * A consistent view of all live keys as of now, for a follower's full resync. Compaction
   * waits until release() is called.
   */
  beginSnapshot(): { storeId: string; seq: number; entries: IndexEntry[]; release: () => void } {
    this.exclusive++;
    let released = false;
    return {
      storeId: this.storeIdValue,
      seq: this.committed,
      entries: this.index.liveEntriesInFileOrder(),
      release: () => {
        if (released) return;
        released = true;
        this.exclusive--;
        this.compactor.maybeStart();
      },
    };
  }

  /** Durably stores the value; resolves with its seq once it is on stable storage and visible. */
  async put(key: string, value: Buffer): Promise<number> {
    if (this.refusing) throw new StoreUnavailableError('STORE_WRITE_FAILED', 'write failed');
    const seq = ++this.lastAssigned;
    await this.pipeline.enqueue(TYPE_PUT, seq, key, value);
    return seq;
  }

  /**
   * The seq of the latest change of `key` (a tombstone included); for a key with no record, the
   * horizon: any tombstone of it that compaction dropped was at or below it.
   */
  seqOf(key: string): number {
    return this.index.get(key)?.seq ?? this.horizonValue;
  }

  /** Durably deletes; resolves false (and writes nothing) when the key is absent. */
  async delete(key: string): Promise<boolean> {
    if (this.refusing) throw new StoreUnavailableError('STORE_WRITE_FAILED', 'write failed');
    if (!this.has(key)) return false;
    return this.pipeline.enqueue(TYPE_DEL, ++this.lastAssigned, key, undefined);
  }

  /** Applies records received from the leader, keeping their sequence numbers. */
  async applyReplicated(records: DecodedRecord[]): Promise<void> {
    const waits: Array<Promise<boolean>> = [];
    // Seqs used up by writes that failed (and were cut) hold nothing here: a leader's may come.
    this.lastAssigned = Math.max(this.committed, this.pipeline.highestQueuedSeq());
    for (const r of records) {
      if (r.seq <= this.lastAssigned) throw new StoreUnavailableError('STORE_OUT_OF_ORDER', 'replicated record out of order');
      if (r.type !== TYPE_PUT && r.type !== TYPE_DEL) throw new StoreUnavailableError('STORE_BAD_RECORD', 'bad record type');
      this.lastAssigned = r.seq;
      waits.push(this.pipeline.enqueue(r.type, r.seq, r.key, r.type === TYPE_PUT ? Buffer.from(r.value) : undefined));
    }
    try {
      await Promise.all(waits);
    } catch (err) {
      this.lastAssigned = Math.max(this.committed, this.pipeline.highestQueuedSeq());
      throw err;
    }
  }

  /** Forces a compaction of the sealed segments (rolls the active one first). For tests/ops. */
  async compactNow(): Promise<void> {
    await this.pipeline.idle();
    await this.pipeline.roll();
    await this.compactor.runNow();
  }

  /**
   * Starts replacing the whole content with a snapshot from the leader. Records are written to a
   * new segment that, once committed, supersedes every existing one (crash-safe by its header).
   */
  async beginInstall(storeId: string, seq: number): Promise<SnapshotInstaller> {
    if (!STORE_ID.test(storeId)) throw new StoreUnavailableError('STORE_BAD_STORE_ID', 'bad store id');
    await this.pipeline.idle();
    await this.compactor.settled();
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
      this.index.replaceAll(inst.entries, seg);
      this.cache.clear();
      this.changes.reset();
      this.launchedValue = this.exposedSeq = inst.seq;
      this.storeIdValue = inst.storeId;
      this.horizonValue = inst.seq;
      this.committed = this.lastAssigned = inst.seq;
      await this.pipeline.roll();
      await this.files.retire(old);
      this.stats.snapshotsInstalled++;
      this.wakeWaiters();
    } finally {
      this.exclusive--;
    }
  }

  /** Resolves when no write is queued, in flight or being flushed. */
  idle(): Promise<void> {
    return this.pipeline.idle();
  }

  /** Flushes queued writes, waits for compaction, closes files. */
  async close(): Promise<void> {
    await this.pipeline.idle();
    this.closing = true;
    this.pipeline.close();
    this.wakeWaiters();
    await this.compactor.settled();
    await this.files.closeAll();
  }

  private commitHost(): CommitHost {
    return {
      applyCommitted: (seg, off, w) => this.applyCommitted(seg, off, w),
      committedUpTo: (seq) => {
        this.committed = seq;
        this.changes.durableUpTo(seq);
        this.changes.batchDone();
      },
      launched: (batch) => {
        if (!this.streaming) return;
        this.launchedValue = this.exposedSeq = batch[batch.length - 1].seq;
        this.changes.launched(batch.map((w) => ({ seq: w.seq, len: w.buf.length, buf: w.buf })));
      },
      commitFailed: () => {
        // Records launched while streaming may be out even if streaming stopped since.
        if (!this.streaming && this.exposedSeq <= this.committed) return false;
        // Its records may be on a follower already: never write others at those seqs in this
        // epoch. Stop streaming and taking writes; the owner steps down.
        const onFailure = this.onStreamFailure;
        this.setPipelining(false);
        this.refusing = true;
        this.exposedSeq = this.committed;
        onFailure?.();
        return true;
      },
      createSegment: () => this.files.create({ store: this.storeIdValue, horizon: this.horizonValue }, [], false),
      drained: () => this.compactor.maybeStart(),
    };
  }

  private applyCommitted(seg: Segment, off: number, w: QueuedWrite): boolean {
    const existed = this.index.record(seg, w.type, w.seq, w.key, off, w.buf.length);
    if (w.type === TYPE_PUT) {
      this.stats.putsCommitted++;
      this.cache.set(w.key, w.value!);
    } else {
      this.stats.deletesCommitted++;
      this.cache.delete(w.key);
    }
    this.changes.add(w.seq, w.key, w.buf);
    return existed;
  }

  private compactionHost(): CompactionHost {
    return {
      activeSegment: () => this.pipeline.activeSegment,
      storeId: () => this.storeIdValue,
      horizon: () => this.horizonValue,
      raiseHorizon: (seq) => {
        this.horizonValue = Math.max(this.horizonValue, seq);
      },
      mayCompact: () => this.exclusive === 0 && !this.closing && !this.pipeline.failed,
      readRecords: (entries) => this.readRecords(entries),
    };
  }
}
