import { IndexEntry } from './index-entry';
import { TYPE_DEL } from './record';
import { Segment } from './segment';
import { SegmentFiles } from './segment-files';

/**
 * The in-memory index: key -> where its latest record lives (tombstones included, until
 * compaction drops them). Keeps the live-key count and each segment's live bytes in step.
 */
export class KeyIndex {
  private readonly map = new Map<string, IndexEntry>();
  private live = 0;

  constructor(private readonly files: SegmentFiles) {}

  /** Keys with a live value. */
  get liveKeys(): number {
    return this.live;
  }

  /** Entries, tombstones included. */
  get size(): number {
    return this.map.size;
  }

  /** The entry of a key, tombstone or not. */
  get(key: string): IndexEntry | undefined {
    return this.map.get(key);
  }

  /** Every entry, tombstones included, in insertion order. */
  entries(): IterableIterator<[string, IndexEntry]> {
    return this.map.entries();
  }

  /** Live keys, sorted. */
  sortedLiveKeys(): string[] {
    const out: string[] = [];
    for (const [k, e] of this.map) if (!e.deleted) out.push(k);
    return out.sort();
  }

  /** Live entries in file order (segment, offset): the order a snapshot reads them in. */
  liveEntriesInFileOrder(): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (const e of this.map.values()) if (!e.deleted) out.push(e);
    return out.sort((a, b) => a.seg - b.seg || a.off - b.off);
  }

  /** (seq, key) of every entry in seq order, for the change feed. */
  bySeq(): Array<{ seq: number; key: string }> {
    const out: Array<{ seq: number; key: string }> = [];
    for (const [key, e] of this.map) out.push({ seq: e.seq, key });
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Highest seq in the index (0 when empty). */
  maxSeq(): number {
    let max = 0;
    for (const e of this.map.values()) if (e.seq > max) max = e.seq;
    return max;
  }

  /**
   * Records that the latest change of `key` (a put or delete record at `off` in `seg`) is `seq`.
   * Ignored when the index already holds a newer one. Returns true when a live value was replaced.
   */
  record(seg: Segment, type: number, seq: number, key: string, off: number, len: number): boolean {
    const prev = this.map.get(key);
    if (prev && prev.seq >= seq) return false;
    if (prev) {
      const ps = this.files.get(prev.seg) ?? (prev.seg === seg.id ? seg : undefined);
      if (ps) ps.live -= prev.len;
      if (!prev.deleted) this.live--;
    }
    const deleted = type === TYPE_DEL;
    this.map.set(key, { seq, seg: seg.id, off, len, keyLen: Buffer.byteLength(key, 'latin1'), deleted });
    seg.live += len;
    if (!deleted) this.live++;
    return prev !== undefined && !prev.deleted;
  }

  /** Points `key` at its copy in `seg` at `off`, unless it changed since `old` was read. */
  move(key: string, old: IndexEntry, seg: Segment, off: number): void {
    if (this.map.get(key) !== old) return;
    this.map.set(key, { ...old, seg: seg.id, off });
    seg.live += old.len;
  }

  /** Forgets a tombstone, unless the key changed since `old` was read. */
  dropTombstone(key: string, old: IndexEntry): void {
    if (this.map.get(key) === old) this.map.delete(key);
  }

  /** Replaces the whole content (snapshot install): every entry lives in `seg`. */
  replaceAll(entries: ReadonlyMap<string, IndexEntry>, seg: Segment): void {
    this.map.clear();
    this.live = 0;
    for (const [key, e] of entries) {
      this.map.set(key, e);
      if (!e.deleted) this.live++;
      seg.live += e.len;
    }
  }
}
