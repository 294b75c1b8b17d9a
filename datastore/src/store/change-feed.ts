/**
 * Sequence-ordered list of (seq, key) for every committed change. Entries superseded by a later
 * change of the same key are skipped when read and dropped when the list is rebuilt, so the
 * feed costs O(changes) and never O(all keys) per request.
 */
export class ChangeFeed {
  private seqs: number[] = [];
  private keys: string[] = [];

/** Appends a change; seqs must be pushed in increasing order. */
  push(seq: number, key: string): void {
    this.seqs.push(seq);
    this.keys.push(key);
  }

/** Entries held, superseded ones included. */
  get length(): number {
    return this.seqs.length;
  }

  /** Replaces the content with `entries`, which must be sorted by seq. */
  reset(entries: Array<{ seq: number; key: string }>): void {
    this.seqs = entries.map((e) => e.seq);
    this.keys = entries.map((e) => e.key);
  }

  /**
   * Up to `limit` keys whose current seq (per `currentSeq`) equals the feed entry and is > since,
   * in seq order.
   */
  since(since: number, limit: number, currentSeq: (key: string) => number | undefined): Array<{ seq: number; key: string }> {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid] <= since) lo = mid + 1;
      else hi = mid;
    }
    const out: Array<{ seq: number; key: string }> = [];
    for (let i = lo; i < this.seqs.length && out.length < limit; i++) {
      const key = this.keys[i];
      if (currentSeq(key) === this.seqs[i]) out.push({ seq: this.seqs[i], key });
    }
    return out;
  }
}
