import { StoreUnavailableError } from '../errors';
import { Logger, errText } from '../log';
import { Histogram } from '../metrics';
import { encodeRecord } from './record';
import { Segment } from './segment';
import { StoreStats } from './store-types';

/** How many group commits may be on their way to the disk at once. */
export const MAX_IN_FLIGHT = 2;

/**
 * Lets the current turn of the event loop finish before a commit is launched: requests whose
 * bytes arrived in the same poll phase are parsed and queued meanwhile, so they share this
 * commit instead of each starting a small one of their own. Costs one loop turn of latency.
 */
function gatherMore(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One write waiting for its commit. */
export interface QueuedWrite {
  readonly type: number;
  readonly seq: number;
  readonly key: string;
  readonly value: Buffer | undefined;
  /** The encoded record. */
  readonly buf: Buffer;
  resolve(existed: boolean): void;
  reject(err: Error): void;
}

interface InFlight {
  batch: QueuedWrite[];
  seg: Segment;
  start: number;
  total: number;
  /** Resolves (never rejects) when the write is durable, with the error if it failed. */
  done: Promise<Error | undefined>;
}

/** What the pipeline needs from the store it writes for. */
export interface CommitHost {
  /** Makes one durable record visible (index, cache, feed); true when it replaced a live value. */
  applyCommitted(seg: Segment, off: number, write: QueuedWrite): boolean;
  /** Every write up to `seq` is durable and applied. */
  committedUpTo(seq: number): void;
  /** A new active segment, its header durable. */
  createSegment(): Promise<Segment>;
  /** Nothing is queued or in flight any more. */
  drained(): void;
  /** A batch was launched to the disk (not yet durable). */
  launched(batch: readonly QueuedWrite[]): void;
  /**
   * A commit failed. True when the records of the failed batches may have left the process
   * (leader pipelining): then everything still queued is refused as well, and the host stops
   * taking writes itself, so no other record is ever written at or after those seqs here.
   */
  commitFailed(): boolean;
}

/**
 * Group commit: a write is encoded and queued; everything queued goes out as one durable write
 * at the end of the active segment. Up to MAX_IN_FLIGHT such writes may be on their way at once
 * (each to its own reserved region), so a writer arriving during a commit does not wait for it
 * to finish before its own starts. Commits complete strictly in order: a batch is applied and
 * acknowledged only after every earlier one, and a failure fails everything after it too. After
 * a failed write the unacknowledged tail is cut and writing continues in a new segment; if even
 * that fails, the pipeline refuses writes from then on.
 */
export class CommitPipeline {
  /** Time from a commit's write call to its durable return, seconds. */
  readonly commitSeconds = new Histogram();

  private pending: QueuedWrite[] = [];
  /** Commits on their way, oldest first. */
  private inFlight: InFlight[] = [];
  private flushing = false;
  private needRoll = false;
  /** Set while the flusher waits with a free slot: new work wakes it. */
  private wakeFlusher: (() => void) | undefined;
  private active!: Segment;
  /** Where the next commit goes in the active segment (past those in flight). */
  private writeOffset = 0;
  private failure: Error | undefined;
  private closing = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly segmentBytes: number,
    private readonly stats: StoreStats,
    private readonly log: Logger,
    private readonly host: CommitHost,
  ) {}

  /** True once a failure made the pipeline refuse writes. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** The segment commits go to. */
  get activeSegment(): Segment {
    return this.active;
  }

  /** Seals the active segment and continues in a new one. Only while idle (or from the flusher). */
  async roll(): Promise<void> {
    this.active = await this.host.createSegment();
    this.writeOffset = this.active.size;
    this.needRoll = false;
  }

  /** Queues a record; resolves once durable and applied (with whether a live value was replaced). */
  enqueue(type: number, seq: number, key: string, value: Buffer | undefined): Promise<boolean> {
    if (this.failure) return Promise.reject(new StoreUnavailableError('STORE_FAILED', 'store failed'));
    if (this.closing) return Promise.reject(new StoreUnavailableError('STORE_CLOSING', 'store closing'));
    const buf = encodeRecord(type, seq, key, value);
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ type, seq, key, value, buf, resolve, reject });
      if (!this.flushing) void this.flushLoop();
      else this.wakeFlusher?.();
    });
  }

  /** Highest seq queued or in flight (0 when none). */
  highestQueuedSeq(): number {
    let max = 0;
    for (const p of this.pending) max = Math.max(max, p.seq);
    for (const f of this.inFlight) for (const p of f.batch) max = Math.max(max, p.seq);
    return max;
  }

  /** Resolves when no write is queued, in flight or being flushed. */
  idle(): Promise<void> {
    if (!this.flushing && this.pending.length === 0 && this.inFlight.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new writes from now on (those queued still go out). */
  close(): void {
    this.closing = true;
  }

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      while (!this.failure && (this.pending.length > 0 || this.inFlight.length > 0)) {
        if (this.pending.length > 0 && this.inFlight.length < MAX_IN_FLIGHT) {
          await gatherMore();
          await this.startNext();
        } else await this.awaitOldestOrWork();
      }
    } finally {
      this.flushing = false;
      if (this.failure) for (const p of this.pending.splice(0)) p.reject(new StoreUnavailableError('STORE_FAILED', 'store failed'));
      for (const w of this.idleWaiters.splice(0)) w();
    }
    this.host.drained();
  }

  /** Launches everything queued as one commit, or first makes room: a roll waits for the commits in flight. */
  private async startNext(): Promise<void> {
    let total = 0;
    for (const p of this.pending) total += p.buf.length;
    const mustRoll = this.needRoll || (this.writeOffset + total > this.segmentBytes && this.writeOffset > this.active.headerBytes);
    if (!mustRoll) {
      this.launch(this.pending, total);
      this.pending = [];
    } else if (this.inFlight.length > 0) {
      await this.completeOldest();
    } else {
      try {
        await this.roll();
      } catch (err) {
        this.fail(err);
      }
    }
  }

  /**
   * No free slot, or nothing queued: applies the oldest commit when it lands; new work arriving
   * meanwhile wakes the loop so it can use a free slot at once.
   */
  private async awaitOldestOrWork(): Promise<void> {
    const landed = await Promise.race([
      this.inFlight[0].done.then(() => true),
      new Promise<false>((resolve) => (this.wakeFlusher = () => resolve(false))),
    ]);
    this.wakeFlusher = undefined;
    if (landed) await this.completeOldest();
  }

  private launch(batch: QueuedWrite[], total: number): void {
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
    this.host.launched(batch);
  }

  private async completeOldest(): Promise<void> {
    const c = this.inFlight[0];
    const err = await c.done;
    this.inFlight.shift();
    if (err) return this.writeFailed(c, err);
    c.seg.size = c.start + c.total;
    this.stats.batches++;
    this.stats.fsyncs++;
    this.stats.bytesWritten += c.total;
    let off = c.start;
    for (const p of c.batch) {
      const existed = this.host.applyCommitted(c.seg, off, p);
      off += p.buf.length;
      p.resolve(existed);
    }
    this.host.committedUpTo(c.batch[c.batch.length - 1].seq);
  }

  /** A commit failed: it and every later one in flight are refused; the log is cut back to it. */
  private async writeFailed(c: InFlight, err: Error): Promise<void> {
    this.log.error('write failed', { error: errText(err), records: c.batch.length });
    const failed = [c, ...this.inFlight.splice(0)];
    if (this.host.commitFailed()) {
      for (const p of this.pending.splice(0)) p.reject(new StoreUnavailableError('STORE_WRITE_FAILED', 'write failed'));
    }
    for (const f of failed) {
      await f.done;
      for (const p of f.batch) p.reject(new StoreUnavailableError('STORE_WRITE_FAILED', 'write failed'));
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
    this.log.error('store failed, refusing writes', { error: errText(err) });
  }
}
