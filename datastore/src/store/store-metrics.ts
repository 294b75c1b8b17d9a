import { MetricsSource, MetricsText } from '../metrics';
import { LogStore } from './log-store';

/** The storage engine's metrics: keys, commits, disk use, compactions, recovery. */
export function storeMetrics(store: LogStore): MetricsSource {
  return {
    describeMetrics(m: MetricsText): void {
      const st = store.stats;
      const info = store.info();
      m.metric('mehdb_keys', 'gauge', 'Live keys.', store.keyCount)
        .metric('mehdb_committed_seq', 'gauge', 'Highest durable sequence number.', store.committedSeq)
        .metric('mehdb_puts_total', 'counter', 'Committed puts.', st.putsCommitted)
        .metric('mehdb_deletes_total', 'counter', 'Committed deletes.', st.deletesCommitted)
        .metric('mehdb_commit_batches_total', 'counter', 'Group commits (one fdatasync each).', st.batches)
        .metric('mehdb_fsyncs_total', 'counter', 'fdatasync calls for commits.', st.fsyncs)
        .metric('mehdb_bytes_written_total', 'counter', 'Log bytes written by commits.', st.bytesWritten)
        .metric('mehdb_disk_reads_total', 'counter', 'Reads that missed the value cache.', st.diskReads)
        .metric('mehdb_compactions_total', 'counter', 'Finished compactions.', st.compactions)
        .histogram('mehdb_commit_seconds', 'Durable write time of one group commit.', store.commitSeconds)
        .metric('mehdb_segments', 'gauge', 'Segment files.', info.segments)
        .metric('mehdb_disk_bytes', 'gauge', 'Bytes in segment files.', info.diskBytes)
        .metric('mehdb_live_bytes', 'gauge', 'Bytes of live records.', info.liveBytes)
        .metric('mehdb_cache_bytes', 'gauge', 'Bytes in the value cache.', info.cacheBytes)
        .metric('mehdb_recovered_records', 'gauge', 'Records read back at start.', st.recoveredRecords)
        .metric('mehdb_torn_bytes_dropped', 'gauge', 'Bytes of torn tail dropped at start.', st.tornBytesDropped);
    },
  };
}
