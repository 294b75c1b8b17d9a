import { ChangeFeed } from './change-feed';
import { IndexEntry } from './index-entry';
import { KeyIndex } from './key-index';
import { RecentRecords } from './recent-records';

/** A record launched to the disk but not yet durable (leader pipelining, MEHDB_FAILOVER=lease). */
export interface InFlightRecord {
  readonly seq: number;
  /** Encoded record length. */
  readonly len: number;
  /** The encoded record, as it goes to the disk. */
  readonly buf: Buffer;
}

/** The change feed is rebuilt once it holds this many entries more than twice the index size. */
export const FEED_SLACK_ENTRIES = 4096;

/**
 * What the leader's change stream reads: the seq-ordered feed of changed keys, the encoded
 * records of the latest commits (so a follower that keeps up costs no disk read), and the
 * long-polls waiting for the next commit.
 */
export class ChangeStream {
  private readonly feed = new ChangeFeed();
  private readonly recent = new RecentRecords();
  private readonly waiters = new Set<() => void>();
  /** Launched, not yet durable records, in seq order (only while streaming them). */
  private inFlight: InFlightRecord[] = [];

  constructor(private readonly index: KeyIndex) {}

  /** One record became durable and visible. */
  add(seq: number, key: string, record: Buffer): void {
    this.feed.push(seq, key);
    this.recent.remember(seq, record);
  }

  /** A batch of records became visible: compacts the feed when needed and wakes the long-polls. */
  batchDone(): void {
    if (this.feed.length > 2 * this.index.size + FEED_SLACK_ENTRIES) this.feed.reset(this.index.bySeq());
    this.wakeAll();
  }

  /** A batch went to the disk: its records may be streamed from now on; wakes the long-polls. */
  launched(records: readonly InFlightRecord[]): void {
    for (const r of records) this.inFlight.push(r);
    this.wakeAll();
  }

  /** Everything up to `seq` is durable (and in the feed): no longer in flight. */
  durableUpTo(seq: number): void {
    let n = 0;
    while (n < this.inFlight.length && this.inFlight[n].seq <= seq) n++;
    if (n) this.inFlight = this.inFlight.slice(n);
  }

  /** Stops tracking in-flight records (streaming turned off or the content replaced). */
  forgetInFlight(): void {
    this.inFlight = [];
  }

  /** Up to `limit` in-flight records after `since`, in seq order. */
  inFlightAfter(since: number, limit: number): InFlightRecord[] {
    const out: InFlightRecord[] = [];
    for (const r of this.inFlight) {
      if (out.length >= limit) break;
      if (r.seq > since) out.push(r);
    }
    return out;
  }

  /** Rebuilds the feed from the index and forgets the recent records (start, snapshot install). */
  reset(): void {
    this.feed.reset(this.index.bySeq());
    this.recent.clear();
    this.inFlight = [];
  }

  /** Index entries of the latest changes after `since`, up to `committed`, in seq order. */
  since(since: number, limit: number, committed: number): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (const { key } of this.feed.since(since, limit, (k) => this.index.get(k)?.seq)) {
      const e = this.index.get(key);
      if (e && e.seq <= committed) out.push(e);
    }
    return out;
  }

  /** The encoded records of all the entries if every one is still in memory, else undefined. */
  cachedRecords(entries: readonly IndexEntry[]): Buffer[] | undefined {
    const out: Buffer[] = [];
    for (const e of entries) {
      const b = this.recent.get(e.seq);
      if (!b) return undefined;
      out.push(b);
    }
    return out;
  }

  /** Resolves at the next commit (or wakeAll), or after `timeoutMs`. */
  nextCommit(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** Wakes every long-poll now. */
  wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }
}
