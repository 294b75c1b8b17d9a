import { ChangeFeed } from './change-feed';
import { IndexEntry } from './index-entry';
import { KeyIndex } from './key-index';
import { RecentRecords } from './recent-records';

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

  /** Rebuilds the feed from the index and forgets the recent records (start, snapshot install). */
  reset(): void {
    this.feed.reset(this.index.bySeq());
    this.recent.clear();
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
