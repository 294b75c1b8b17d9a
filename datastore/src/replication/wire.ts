import { WireError } from '../errors';
import { DecodeLimits, DecodedRecord, decodeRecord } from '../store/record';

/**
 * Replication wire format: the body is a run of records in the storage format (checksummed,
 * see store/record.ts). A snapshot ends with a TYPE_SEGMENT record whose value is
 * {"end":true,"count":N}, so a cut-off stream is never mistaken for a complete one.
 */
export const HDR_STORE = 'x-mehdb-store';
/**
 * Response header: the leader's committed seq, or the highest seq sent when that is higher
 * (in-flight records of a pipelining leader, MEHDB_FAILOVER=lease).
 */
export const HDR_SEQ = 'x-mehdb-seq';
/** Response header: the source's epoch history (`epoch:firstSeq,...`, see failover/epoch-state.ts). */
export const HDR_HISTORY = 'x-mehdb-history';
/** Response header of a 409: `epoch` (the epochs differ: ask the Lease who leads) or `snapshot`. */
export const HDR_CONFLICT = 'x-mehdb-conflict';
/** Content type of record streams. */
export const CONTENT_TYPE = 'application/x-mehdb-records';

/** Most bytes of records the leader puts in one changes response (at least one record). */
export const MAX_BATCH_BYTES = 4 << 20;

export { WireError } from '../errors';

/** Incremental parser for a record stream; throws WireError on anything damaged. */
export class RecordStreamParser {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly limits: DecodeLimits) {}

/** Adds bytes; returns the whole records now available (copied out of the network buffers). */
  push(chunk: Buffer): DecodedRecord[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: DecodedRecord[] = [];
    let off = 0;
    for (;;) {
      const r = decodeRecord(this.buf, off, this.limits);
      if (!r.ok) {
        if (r.reason === 'corrupt') throw new WireError('corrupt record');
        break;
      }
      // Copy out: the value must not pin (or alias) the network buffer.
      out.push({ ...r.record, value: Buffer.from(r.record.value) });
      off += r.record.length;
    }
    this.buf = this.buf.subarray(off);
    return out;
  }

  /** Bytes left over that do not form a whole record. */
  get leftover(): number {
    return this.buf.length;
  }
}

/** A seq header value, or undefined when it is not a safe non-negative integer. */
export function parseSeqHeader(v: string | string[] | undefined): number | undefined {
  if (typeof v !== 'string' || !/^[0-9]{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A store-id header value, or undefined when it is not 32 hex digits. */
export function parseStoreHeader(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' && /^[0-9a-f]{32}$/.test(v) ? v : undefined;
}
