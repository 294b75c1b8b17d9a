/** Bytes of recently committed records kept for the change stream. */
export const RECENT_RECORDS_BYTES = 8 << 20;

/**
 * Encoded records of the latest commits, by seq, bounded in bytes (oldest dropped first), so
 * the change stream of a follower that keeps up never reads the disk.
 *
 * The order of arrival is kept in an array with a moving head, not by iterating the Map: a
 * Map used as a FIFO leaves deleted slots at its front that every `entries().next()` walks
 * over again, which cost up to ~80 us per record once the buffer was full.
 */
export class RecentRecords {
  private readonly bySeq = new Map<number, Buffer>();
  /** Seqs in arrival order; those before `head` are dropped already. */
  private order: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly capacity = RECENT_RECORDS_BYTES) {}

  /** Keeps the encoded record of `seq`, dropping the oldest ones past the capacity. */
  remember(seq: number, buf: Buffer): void {
    const prev = this.bySeq.get(seq);
    if (prev) this.bytes -= prev.length;
    else this.order.push(seq);
    this.bySeq.set(seq, buf);
    this.bytes += buf.length;
    while (this.bytes > this.capacity && this.head < this.order.length) {
      const oldest = this.order[this.head++];
      const b = this.bySeq.get(oldest);
      if (b) this.bytes -= b.length;
      this.bySeq.delete(oldest);
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  /** The encoded record of `seq`, if still kept. */
  get(seq: number): Buffer | undefined {
    return this.bySeq.get(seq);
  }

  /** Forgets everything (the content was replaced). */
  clear(): void {
    this.bySeq.clear();
    this.order = [];
    this.head = 0;
    this.bytes = 0;
  }
}
