import { Logger } from '../log';
import { StorageFs } from './file-system';

/** How the store is opened: where, on what file layer, and its limits. */
export interface StoreOptions {
  dataDir: string;
  fs: StorageFs;
  log: Logger;
  maxKeyBytes: number;
  maxValueBytes: number;
  cacheBytes: number;
  segmentBytes: number;
  compactRatio: number;
  compactMinBytes: number;
}

/** Counters of the storage engine, shared by the store and the parts it is made of. */
export interface StoreStats {
  /** Puts made durable and visible. */
  putsCommitted: number;
  /** Deletes made durable and visible. */
  deletesCommitted: number;
  /** Group commits (one durable write each). */
  batches: number;
  /** Durable writes for commits (O_DSYNC writes or fdatasync calls). */
  fsyncs: number;
  /** Log bytes written by commits. */
  bytesWritten: number;
  /** Reads that went to a segment file (value cache misses, change stream, compaction). */
  diskReads: number;
  /** Finished compactions. */
  compactions: number;
  /** Records read back at start. */
  recoveredRecords: number;
  /** Bytes of torn segment tails cut off at start. */
  tornBytesDropped: number;
  /** Snapshots from a leader installed. */
  snapshotsInstalled: number;
}

/** All counters at zero. */
export function newStoreStats(): StoreStats {
  return {
    putsCommitted: 0,
    deletesCommitted: 0,
    batches: 0,
    fsyncs: 0,
    bytesWritten: 0,
    diskReads: 0,
    compactions: 0,
    recoveredRecords: 0,
    tornBytesDropped: 0,
    snapshotsInstalled: 0,
  };
}
