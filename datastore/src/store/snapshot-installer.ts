import { StorageError } from '../errors';
import { IndexEntry } from './index-entry';
import { DecodedRecord, TYPE_PUT, encodeRecord } from './record';
import { Segment } from './segment';

/**
 * Writes a leader's snapshot into a new (tmp) segment and builds its index; see
 * LogStore.beginInstall. Nothing changes for readers until commit().
 */
export class SnapshotInstaller {
/** Index entries of the records written so far, by key. */
  readonly entries = new Map<string, IndexEntry>();
  private done = false;

  constructor(
    readonly segment: Segment,
    readonly storeId: string,
    readonly seq: number,
    private readonly finish: (inst: SnapshotInstaller, commit: boolean) => Promise<void>,
  ) {}

  /** Appends records (puts, each seq <= the snapshot seq). */
  async add(records: DecodedRecord[]): Promise<void> {
    const bufs: Buffer[] = [];
    let pos = this.segment.size;
    for (const r of records) {
      if (r.type !== TYPE_PUT || r.seq > this.seq) throw new StorageError('STORE_BAD_RECORD', 'bad snapshot record');
      const buf = encodeRecord(r.type, r.seq, r.key, r.value);
      const prev = this.entries.get(r.key);
      if (!prev || prev.seq < r.seq) {
        this.entries.set(r.key, { seq: r.seq, seg: this.segment.id, off: pos, len: buf.length, keyLen: r.key.length, deleted: false });
      }
      bufs.push(buf);
      pos += buf.length;
    }
    await this.segment.file.write(Buffer.concat(bufs), this.segment.size);
    this.segment.size = pos;
  }

/** Makes the snapshot the store's whole content (atomically, crash-safe). Idempotent. */
  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.finish(this, true);
  }

/** Drops the snapshot; the store's content stays as it was. Idempotent. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.finish(this, false);
  }
}
