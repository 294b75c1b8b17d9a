import { StorageFile } from './file-system';
import { DecodeLimits, DecodedRecord, decodeRecord } from './record';

/** One segment file of the log. */
export interface Segment {
  readonly id: number;
  readonly path: string;
  readonly file: StorageFile;
  /** Bytes in the file that are committed (header included). */
  size: number;
  /** Length of the segment header record. */
  headerBytes: number;
  /** Bytes of records that the index still points at. */
  live: number;
  /** Readers currently using the file; a retired segment is closed when this drops to 0. */
  pins: number;
  retired: boolean;
}

/** What a segment header says (stored as JSON in the value of the first record). */
export interface SegmentHeader {
  v: 1;
  /** Id of the data set: the leader's store id (followers adopt their leader's). */
  store: string;
  /** The feed cannot describe changes at or below this seq (dropped tombstones, snapshots). */
  horizon: number;
  /** Segments this one supersedes (compaction, snapshot install); they are deleted if still there. */
  replaces: number[];
}

const NAME = /^([0-9]{10})\.seg$/;

/** File name of segment `id`: ten digits and `.seg`. */
export function segmentName(id: number): string {
  return `${String(id).padStart(10, '0')}.seg`;
}

/** The id in a segment file name, or undefined for any other name. */
export function parseSegmentName(name: string): number | undefined {
  const m = NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** The header in a segment's first record, or undefined when it is not a valid one. */
export function parseHeader(rec: DecodedRecord): SegmentHeader | undefined {
  try {
    const h = JSON.parse(rec.value.toString('utf8')) as SegmentHeader;
    if (h.v !== 1 || typeof h.store !== 'string' || !/^[0-9a-f]{32}$/.test(h.store)) return undefined;
    if (!Number.isSafeInteger(h.horizon) || h.horizon < 0) return undefined;
    if (!Array.isArray(h.replaces) || !h.replaces.every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
    return h;
  } catch {
    return undefined;
  }
}

/**
 * Reads records from the start of a segment file until the end, the first torn/corrupt record,
 * or a record `onRecord` refuses. Returns the offset just past the last good record.
 */
export async function scanSegment(
  file: StorageFile,
  fileSize: number,
  limits: DecodeLimits,
  onRecord: (rec: DecodedRecord, offset: number) => boolean | void,
): Promise<number> {
  let buf = Buffer.allocUnsafe(1 << 20);
  let bufStart = 0; // file offset of buf[0]
  let bufLen = 0;
  let pos = 0;
  for (;;) {
    const res = decodeRecord(buf.subarray(0, bufLen), pos - bufStart, limits);
    if (res.ok) {
      if (onRecord(res.record, pos) === false) return pos; // valid checksum, but not acceptable here
      pos += res.record.length;
      continue;
    }
    if (res.reason === 'corrupt') return pos;
    // Short: read more, unless the file simply ends here (torn tail).
    if (pos + res.need > fileSize) return pos;
    const keep = bufStart + bufLen - pos;
    const want = Math.max(res.need, 1 << 20);
    const next = want > buf.length ? Buffer.allocUnsafe(want) : buf;
    buf.copy(next, 0, pos - bufStart, pos - bufStart + keep);
    buf = next;
    bufStart = pos;
    bufLen = keep;
    const n = await file.read(buf, bufLen, Math.min(buf.length - bufLen, fileSize - (bufStart + bufLen)), bufStart + bufLen);
    if (n === 0) return pos;
    bufLen += n;
  }
}
