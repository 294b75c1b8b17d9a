/** Bytes of recently committed records kept for the change stream. */
export const RECENT_RECORDS_BYTES = 8 << 20;

/**
 * Encoded records of the latest commits, by seq, bounded in bytes (oldest dropped first), so
 * the change stream of a follower that keeps up never reads the disk.
 */
export class RecentRecords {
  private readonly bySeq = new Map<number, Buffer>();
  private bytes = 0;

  constructor(private readonly capacity = RECENT_RECORDS_BYTES) {}

  /** Keeps the encoded record of `seq`, dropping the oldest ones past the capacity. */
  remember(seq: number, buf: Buffer): void {
    this.bySeq.set(seq, buf);
    this.bytes += buf.length;
    while (this.bytes > this.capacity) {
      const oldest = this.bySeq.entries().next();
      if (oldest.done) break;
      this.bySeq.delete(oldest.value[0]);
      this.bytes -= oldest.value[1].length;
    }
  }

  /** The encoded record of `seq`, if still kept. */
  get(seq: number): Buffer | undefined {
    return this.bySeq.get(seq);
  }

  /** Forgets everything (the content was replaced). */
  clear(): void {
    this.bySeq.clear();
    this.bytes = 0;
  }
}
