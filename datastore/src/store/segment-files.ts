import * as path from 'node:path';
import { StorageError } from '../errors';
import { Logger } from '../log';
import { StorageFs } from './file-system';
import { DecodeLimits, TYPE_SEGMENT, encodeRecord } from './record';
import { Segment, SegmentHeader, parseHeader, parseSegmentName, scanSegment, segmentName } from './segment';

/** The header is the first record: reading this much of a segment is enough to find it. */
export const HEADER_SCAN_BYTES = 1 << 20;

/**
 * The segment files of one data directory: creating them (header first, durable before use),
 * publishing new ones atomically (tmp -> fsync -> rename -> directory fsync), retiring old ones
 * once nobody reads them, and sorting out leftovers at start.
 */
export class SegmentFiles {
  private readonly segs = new Map<number, Segment>();
  private nextId = 1;

  constructor(
    private readonly fs: StorageFs,
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

/** A registered segment by id. */
  get(id: number): Segment | undefined {
    return this.segs.get(id);
  }
/** Every registered segment, in registration order. */
  all(): Segment[] {
    return [...this.segs.values()];
  }
/** Ids of every registered segment. */
  ids(): number[] {
    return [...this.segs.keys()];
  }
/** Number of registered segments. */
  get count(): number {
    return this.segs.size;
  }
/** Registers a segment found at start. */
  add(seg: Segment): void {
    this.segs.set(seg.id, seg);
  }

  /** Segment count, bytes on disk, and bytes of live records (headers included). */
  usage(): { segments: number; diskBytes: number; liveBytes: number } {
    let diskBytes = 0;
    let liveBytes = 0;
    for (const s of this.segs.values()) {
      diskBytes += s.size;
      liveBytes += s.live + s.headerBytes;
    }
    return { segments: this.segs.size, diskBytes, liveBytes };
  }

  private p(name: string): string {
    return path.join(this.dir, name);
  }

  /**
   * First half of recovery: removes unfinished `.tmp` files, segments whose header never became
   * durable, and segments superseded by a finished compaction or snapshot install. Returns the
   * rest, opened, in id order (their records are not read yet, nor are they registered).
   */
  async openExisting(limits: DecodeLimits): Promise<Array<{ seg: Segment; header: SegmentHeader }>> {
    await this.fs.mkdirp(this.dir);
    const names = await this.fs.list(this.dir);
    let removed = false;
    for (const n of names) {
      if (n.endsWith('.seg.tmp')) {
        await this.fs.unlink(this.p(n));
        removed = true;
      }
    }
    const ids = names.map(parseSegmentName).filter((n): n is number => n !== undefined).sort((a, b) => a - b);
    if (ids.length) this.nextId = ids[ids.length - 1] + 1;

    const opened: Array<{ seg: Segment; header: SegmentHeader }> = [];
    for (const id of ids) {
      const segPath = this.p(segmentName(id));
      const file = await this.fs.open(segPath, 'readwrite');
      const size = await file.size();
      let header: SegmentHeader | undefined;
      let headerBytes = 0;
      await scanSegment(file, Math.min(size, HEADER_SCAN_BYTES), limits, (rec, off) => {
        if (off === 0 && rec.type === TYPE_SEGMENT) {
          header = parseHeader(rec);
          headerBytes = rec.length;
        }
        return false; // only the first record matters here
      }).catch(() => 0);
      if (!header) {
        // Created but its header never became durable, so it never held an acknowledged write.
        this.log.warn('removing segment without a valid header', { segment: id, bytes: size });
        await file.close();
        await this.fs.unlink(segPath);
        removed = true;
        continue;
      }
      opened.push({ seg: { id, path: segPath, file, size, headerBytes, live: 0, pins: 0, retired: false }, header });
    }
    const replaced = new Set<number>();
    for (const o of opened) for (const r of o.header.replaces) replaced.add(r);
    const kept: typeof opened = [];
    for (const o of opened) {
      if (replaced.has(o.seg.id)) {
        await o.seg.file.close();
        await this.fs.unlink(o.seg.path);
        removed = true;
      } else kept.push(o);
    }
    if (removed) await this.fs.syncDir(this.dir);
    return kept;
  }

  /** Cuts a torn tail found by recovery. */
  async truncate(seg: Segment, end: number): Promise<void> {
    await seg.file.truncate(end);
    await seg.file.datasync();
    seg.size = end;
  }

  /**
   * A new segment with its header written and durable. `tmp` segments live under `<name>.tmp`
   * until publish(); others are registered at once.
   */
  async create(fields: { store: string; horizon: number }, replaces: number[], tmp: boolean): Promise<Segment> {
    const id = this.nextId++;
    const header: SegmentHeader = { v: 1, store: fields.store, horizon: fields.horizon, replaces };
    const rec = encodeRecord(TYPE_SEGMENT, 0, '', Buffer.from(JSON.stringify(header)));
    const finalPath = this.p(segmentName(id));
    const file = await this.fs.open(tmp ? finalPath + '.tmp' : finalPath, 'create');
    try {
      await file.write(rec, 0);
      await file.datasync();
      if (!tmp) await this.fs.syncDir(this.dir);
    } catch (err) {
      await file.close().catch(() => undefined);
      throw err;
    }
    const seg: Segment = { id, path: finalPath, file, size: rec.length, headerBytes: rec.length, live: 0, pins: 0, retired: false };
    if (!tmp) this.segs.set(id, seg);
    return seg;
  }

  /** Makes a tmp segment durable under its final name and registers it. */
  async publish(seg: Segment): Promise<void> {
    await seg.file.datasync();
    await this.fs.rename(seg.path + '.tmp', seg.path);
    await this.fs.syncDir(this.dir);
    this.segs.set(seg.id, seg);
  }

  /** Drops an unpublished tmp segment. */
  async discard(seg: Segment): Promise<void> {
    await seg.file.close().catch(() => undefined);
    await this.fs.unlink(seg.path + '.tmp').catch(() => undefined);
  }

  /** Unregisters and deletes segments; files still being read are closed when the last reader is done. */
  async retire(segs: Segment[]): Promise<void> {
    if (segs.length === 0) return;
    for (const s of segs) {
      this.segs.delete(s.id);
      s.retired = true;
      if (s.pins === 0) await s.file.close().catch(() => undefined);
      await this.fs.unlink(s.path);
    }
    await this.fs.syncDir(this.dir);
  }

/** Marks a segment as being read, so retiring it waits before closing the file. */
  pin(id: number): Segment {
    const seg = this.segs.get(id);
    if (!seg) throw new StorageError('STORE_SEGMENT_GONE', 'segment gone');
    seg.pins++;
    return seg;
  }

/** Ends a read started with pin(); closes the file of a retired segment after its last reader. */
  unpin(seg: Segment): void {
    seg.pins--;
    if (seg.retired && seg.pins === 0) seg.file.close().catch(() => undefined);
  }

/** Closes every file (shutdown). */
  async closeAll(): Promise<void> {
    for (const s of this.segs.values()) await s.file.close().catch(() => undefined);
    this.segs.clear();
  }
}
