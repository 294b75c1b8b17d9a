import { Logger, errText } from '../log';
import { IndexEntry } from './index-entry';
import { KeyIndex } from './key-index';
import { Segment } from './segment';
import { SegmentFiles } from './segment-files';
import { StoreStats } from './store-types';

/** Live records copied per read + write while compacting. */
export const COMPACTION_CHUNK_BYTES = 1 << 20;

/** When compaction runs: dead bytes in sealed segments above both this share and this amount. */
export interface CompactionThresholds {
  compactRatio: number;
  compactMinBytes: number;
}

/** What compaction needs from the store it compacts. */
export interface CompactionHost {
  /** The segment commits go to; compaction never touches it. */
  activeSegment(): Segment;
  /** The data-set id, for the new segment's header. */
  storeId(): string;
  /** The current feed horizon. */
  horizon(): number;
  /** Tombstones up to `seq` are gone: the change feed cannot answer below it any more. */
  raiseHorizon(seq: number): void;
  /** False while the segments must stay as they are (snapshot served or installed, closing, failed). */
  mayCompact(): boolean;
  /** Encoded records for the entries, read from their segments. */
  readRecords(entries: IndexEntry[]): Promise<Buffer[]>;
}

/** The live records of the sealed segments, and the tombstones that compaction drops. */
interface Selection {
  sealed: Segment[];
  keep: Array<[string, IndexEntry]>;
  drop: Array<[string, IndexEntry]>;
  horizon: number;
}

/**
 * Compaction bounds disk use: live records of the sealed segments are copied into a new segment
 * whose header lists the segments it replaces; after rename + directory fsync the old ones are
 * unlinked. Tombstones are dropped; the highest dropped seq becomes the feed horizon. A crash in
 * between is harmless: at start, superseded segments still present are deleted.
 */
export class Compactor {
  private running: Promise<void> | undefined;

  constructor(
    private readonly files: SegmentFiles,
    private readonly index: KeyIndex,
    private readonly host: CompactionHost,
    private readonly thresholds: CompactionThresholds,
    private readonly stats: StoreStats,
    private readonly log: Logger,
  ) {}

  /** Starts a compaction in the background when dead bytes pass both thresholds. */
  maybeStart(): void {
    if (this.running || !this.host.mayCompact()) return;
    let total = 0;
    let dead = 0;
    for (const s of this.files.all()) {
      if (s === this.host.activeSegment()) continue;
      total += s.size - s.headerBytes;
      dead += s.size - s.headerBytes - s.live;
    }
    const { compactMinBytes, compactRatio } = this.thresholds;
    if (dead <= 0 || dead < compactMinBytes || dead < compactRatio * total) return;
    this.running = this.compact()
      .catch((err) => this.log.error('compaction failed', { error: errText(err) }))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Compacts every sealed segment now, after any compaction already running. */
  async runNow(): Promise<void> {
    await this.settled();
    this.running = this.compact().finally(() => {
      this.running = undefined;
    });
    await this.running;
  }

  /** Resolves when no compaction is running. */
  async settled(): Promise<void> {
    if (this.running) await this.running;
  }

  private async compact(): Promise<void> {
    const sel = this.select();
    if (sel.sealed.length === 0) return;
    const seg = await this.files.create({ store: this.host.storeId(), horizon: sel.horizon }, sel.sealed.map((s) => s.id), true);
    let offsets: number[];
    try {
      offsets = await this.copy(sel.keep, seg);
      await this.files.publish(seg);
    } catch (err) {
      await this.files.discard(seg);
      throw err;
    }
    // Swap: entries superseded meanwhile (by writes to the active segment) stay as they are.
    sel.keep.forEach(([key, old], i) => this.index.move(key, old, seg, offsets[i]));
    for (const [key, old] of sel.drop) this.index.dropTombstone(key, old);
    this.host.raiseHorizon(sel.horizon);
    await this.files.retire(sel.sealed);
    this.stats.compactions++;
    this.log.info('compaction done', { replaced: sel.sealed.length, liveRecords: sel.keep.length, tombstonesDropped: sel.drop.length });
  }

  private select(): Selection {
    const active = this.host.activeSegment();
    const sealed = this.files.all().filter((s) => s !== active);
    const ids = new Set(sealed.map((s) => s.id));
    const keep: Array<[string, IndexEntry]> = [];
    const drop: Array<[string, IndexEntry]> = [];
    let horizon = this.host.horizon();
    for (const [key, e] of this.index.entries()) {
      if (!ids.has(e.seg)) continue;
      if (e.deleted) {
        drop.push([key, e]);
        if (e.seq > horizon) horizon = e.seq;
      } else keep.push([key, e]);
    }
    keep.sort((a, b) => a[1].seg - b[1].seg || a[1].off - b[1].off);
    return { sealed, keep, drop, horizon };
  }

  /** Copies the records into `seg` in chunks; returns each one's new offset. */
  private async copy(keep: Array<[string, IndexEntry]>, seg: Segment): Promise<number[]> {
    const offsets: number[] = [];
    let pos = seg.size;
    for (let i = 0; i < keep.length; ) {
      const chunk: IndexEntry[] = [];
      let bytes = 0;
      while (i < keep.length && (chunk.length === 0 || bytes < COMPACTION_CHUNK_BYTES)) {
        chunk.push(keep[i][1]);
        bytes += keep[i][1].len;
        i++;
      }
      await seg.file.write(Buffer.concat(await this.host.readRecords(chunk)), pos);
      for (const e of chunk) {
        offsets.push(pos);
        pos += e.len;
      }
    }
    seg.size = pos;
    return offsets;
  }
}
