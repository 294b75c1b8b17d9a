import { StorageError } from '../errors';
import { IndexEntry } from './index-entry';
import { RECORD_HEADER } from './record';
import { Segment } from './segment';
import { SegmentFiles } from './segment-files';

/** Longest run of adjacent records fetched with one read. */
export const MAX_COALESCED_READ_BYTES = 4 << 20;

/** The value of the record `e` points at, read from its segment (pinned meanwhile). */
export async function readValue(files: SegmentFiles, e: IndexEntry): Promise<Buffer> {
  const seg = files.pin(e.seg);
  try {
    const valLen = e.len - RECORD_HEADER - e.keyLen;
    const buf = Buffer.allocUnsafe(valLen);
    const n = await seg.file.read(buf, 0, valLen, e.off + RECORD_HEADER + e.keyLen);
    if (n !== valLen) throw new StorageError('STORE_SHORT_READ', 'short read');
    return buf;
  } finally {
    files.unpin(seg);
  }
}

/**
 * Raw encoded records for the given entries (as stored: checksummed, replication-ready).
 * Adjacent records of one segment are fetched with one read, up to MAX_COALESCED_READ_BYTES;
 * `onRead` is called once per read.
 */
export async function readRecords(files: SegmentFiles, entries: readonly IndexEntry[], onRead: () => void): Promise<Buffer[]> {
  const segs: Segment[] = [];
  try {
    for (const e of entries) segs.push(files.pin(e.seg)); // synchronously, before any await
    const out: Buffer[] = [];
    let i = 0;
    while (i < entries.length) {
      const first = entries[i];
      let j = i + 1;
      let end = first.off + first.len;
      while (j < entries.length && entries[j].seg === first.seg && entries[j].off === end && end - first.off < MAX_COALESCED_READ_BYTES) {
        end += entries[j].len;
        j++;
      }
      const buf = Buffer.allocUnsafe(end - first.off);
      const n = await segs[i].file.read(buf, 0, buf.length, first.off);
      if (n !== buf.length) throw new StorageError('STORE_SHORT_READ', 'short read');
      onRead();
      out.push(buf);
      i = j;
    }
    return out;
  } finally {
    for (const s of segs) files.unpin(s);
  }
}
