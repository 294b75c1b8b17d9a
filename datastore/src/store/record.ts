import { crc32 } from 'node:zlib';

/**
 * One record, as stored in a segment and as sent on the replication wire:
 *
 *   0  u32  crc32 of bytes 4..end
 *   4  u8   type (1 put, 2 delete, 16 segment header)
 *   5  u8   reserved, 0
 *   6  u16  key length
 *   8  u32  value length
 *  12  u64  sequence number
 *  20  key bytes (ASCII), then value bytes
 */
export const RECORD_HEADER = 20;
/** Record type: a key's new value. */
export const TYPE_PUT = 1;
/** Record type: a key's deletion (tombstone, empty value). */
export const TYPE_DEL = 2;
/** Record type: segment header (first record) or snapshot end mark. */
export const TYPE_SEGMENT = 16;

/** A record read from a buffer. */
export interface DecodedRecord {
  type: number;
  seq: number;
  key: string;
  /** A view into the source buffer. */
  value: Buffer;
  /** Total encoded length. */
  length: number;
}

/** Encodes one record with its checksum. */
export function encodeRecord(type: number, seq: number, key: string, value: Buffer | undefined): Buffer {
  const keyLen = Buffer.byteLength(key, 'latin1');
  const valLen = value ? value.length : 0;
  const buf = Buffer.allocUnsafe(RECORD_HEADER + keyLen + valLen);
  buf.writeUInt8(type, 4);
  buf.writeUInt8(0, 5);
  buf.writeUInt16LE(keyLen, 6);
  buf.writeUInt32LE(valLen, 8);
  buf.writeBigUInt64LE(BigInt(seq), 12);
  buf.write(key, RECORD_HEADER, 'latin1');
  if (value) value.copy(buf, RECORD_HEADER + keyLen);
  buf.writeUInt32LE(crc32(buf.subarray(4)) >>> 0, 0);
  return buf;
}

/** A decoded record, or why not: 'short' (need more bytes) or 'corrupt'. */
export type DecodeResult =
  | { ok: true; record: DecodedRecord }
  | { ok: false; reason: 'short'; need: number }
  | { ok: false; reason: 'corrupt' };

/** Largest key and value a decoder accepts; larger ones count as corrupt. */
export interface DecodeLimits {
  maxKeyBytes: number;
  maxValueBytes: number;
}

/** Decodes the record at `off`. Never throws; a torn or damaged record is reported, not parsed. */
export function decodeRecord(buf: Buffer, off: number, limits: DecodeLimits): DecodeResult {
  const avail = buf.length - off;
  if (avail < RECORD_HEADER) return { ok: false, reason: 'short', need: RECORD_HEADER };
  const type = buf[off + 4];
  if ((type !== TYPE_PUT && type !== TYPE_DEL && type !== TYPE_SEGMENT) || buf[off + 5] !== 0) {
    return { ok: false, reason: 'corrupt' };
  }
  const keyLen = buf.readUInt16LE(off + 6);
  const valLen = buf.readUInt32LE(off + 8);
  if (keyLen > limits.maxKeyBytes || valLen > limits.maxValueBytes) return { ok: false, reason: 'corrupt' };
  if (type === TYPE_DEL && valLen !== 0) return { ok: false, reason: 'corrupt' };
  const length = RECORD_HEADER + keyLen + valLen;
  if (avail < length) return { ok: false, reason: 'short', need: length };
  const crc = buf.readUInt32LE(off);
  if ((crc32(buf.subarray(off + 4, off + length)) >>> 0) !== crc) return { ok: false, reason: 'corrupt' };
  const seqBig = buf.readBigUInt64LE(off + 12);
  if (seqBig > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: 'corrupt' };
  const key = buf.toString('latin1', off + RECORD_HEADER, off + RECORD_HEADER + keyLen);
  const value = buf.subarray(off + RECORD_HEADER + keyLen, off + length);
  return { ok: true, record: { type, seq: Number(seqBig), key, value, length } };
}
