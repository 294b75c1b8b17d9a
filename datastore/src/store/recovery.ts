import { Logger } from '../log';
import { KeyIndex } from './key-index';
import { DecodeLimits, TYPE_DEL, TYPE_SEGMENT } from './record';
import { scanSegment } from './segment';
import { SegmentFiles } from './segment-files';
import { StoreStats } from './store-types';

/** Longest key a record can hold: the key length field is 16 bits. */
export const MAX_RECORD_KEY_BYTES = 0xffff;

/** Largest value accepted when reading our own files back, whatever the configured limit. */
export const MAX_SCANNED_VALUE_BYTES = 1 << 30;

/** Limits for reading our own files back: generous, so a lowered config limit never hides data. */
export const SCAN_LIMITS: DecodeLimits = { maxKeyBytes: MAX_RECORD_KEY_BYTES, maxValueBytes: MAX_SCANNED_VALUE_BYTES };

/** What the segment headers say about the data set. */
export interface RecoveredHeaders {
  /** Data-set id of the newest header ('' when there is no segment). */
  storeId: string;
  /** Highest feed horizon of all headers. */
  horizon: number;
}

/**
 * Reads every segment back into `index`, in id order. The first record that is short or fails
 * its checksum marks a torn tail, which is cut off: acknowledgements follow the sync, so it was
 * never acknowledged. Segments without a durable header, leftovers and superseded segments are
 * removed first (SegmentFiles.openExisting).
 */
export async function recoverSegments(files: SegmentFiles, index: KeyIndex, stats: StoreStats, log: Logger): Promise<RecoveredHeaders> {
  const found: RecoveredHeaders = { storeId: '', horizon: 0 };
  for (const { seg, header } of await files.openExisting(SCAN_LIMITS)) {
    found.horizon = Math.max(found.horizon, header.horizon);
    found.storeId = header.store; // ascending ids: the newest header wins
    files.add(seg);
    const size = seg.size;
    const end = await scanSegment(seg.file, size, SCAN_LIMITS, (rec, off) => {
      if (off === 0) return true; // the header
      if (rec.type === TYPE_SEGMENT) return false; // only valid first: treat as damage
      if (rec.key.length === 0 || (rec.type === TYPE_DEL && rec.value.length !== 0)) return false;
      stats.recoveredRecords++;
      index.record(seg, rec.type, rec.seq, rec.key, off, rec.length);
      return true;
    });
    if (end < size) {
      log.warn('dropping torn segment tail', { segment: seg.id, validBytes: end, droppedBytes: size - end });
      stats.tornBytesDropped += size - end;
      await files.truncate(seg, end);
    }
  }
  return found;
}
