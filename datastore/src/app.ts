import * as http from 'node:http';
import { Config } from './config';
import { Router } from './http/router';
import { HttpDeps, createRequestHandler, routeTable } from './http/routes';
import { createHttpServer } from './http/server';
import { Logger } from './log';
import { MetricsText } from './metrics';
import { Follower } from './replication/follower';
import { LeaderFeed } from './replication/leader-feed';
import { StorageFs } from './store/file-system';
import { LogStore } from './store/log-store';

export interface App {
  readonly server: http.Server;
  readonly store: LogStore;
  readonly follower: Follower | undefined;
  /** Resolves once listening; the actual port (useful with port 0). */
  listen(): Promise<number>;
  /** Graceful stop: refuse new connections, finish in-flight requests, flush, close files. */
  shutdown(): Promise<void>;
}

/** Wires config -> store -> replication -> HTTP surface. */
export async function createApp(config: Config, fs: StorageFs, log: Logger): Promise<App> {
  const store = await LogStore.open({
    dataDir: config.dataDir,
    fs,
    log,
    maxKeyBytes: config.maxKeyBytes,
    maxValueBytes: config.maxValueBytes,
    cacheBytes: config.cacheBytes,
    segmentBytes: config.segmentBytes,
    compactRatio: config.compactRatio,
    compactMinBytes: config.compactMinBytes,
  });
  const feed = new LeaderFeed(config, store, log);
  const follower = config.role === 'follower' ? new Follower(config, store, log) : undefined;
  let router: Router | undefined;
  let shuttingDown = false;
  const started = Date.now();

  const metricsText = (): string => {
    const m = new MetricsText();
    const st = store.stats;
    const info = store.info();
    router?.describeMetrics(m);
    m.metric('mehdb_is_leader', 'gauge', '1 on the leader, 0 on followers.', config.role === 'leader' ? 1 : 0)
      .metric('mehdb_keys', 'gauge', 'Live keys.', store.keyCount)
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
      .metric('mehdb_torn_bytes_dropped', 'gauge', 'Bytes of torn tail dropped at start.', st.tornBytesDropped)
      .metric('mehdb_replication_requests_total', 'counter', 'Change-stream requests served.', feed.stats.changeRequests)
      .metric('mehdb_replication_records_sent_total', 'counter', 'Records sent to followers.', feed.stats.recordsSent)
      .metric('mehdb_replication_snapshots_served_total', 'counter', 'Snapshots served.', feed.stats.snapshotsServed);
    if (follower) {
      const f = follower.stats;
      m.metric('mehdb_replication_leader_seq', 'gauge', 'Leader seq last seen.', f.leaderSeq)
        .metric('mehdb_replication_lag_records', 'gauge', 'Leader seq minus applied seq.', Math.max(0, f.leaderSeq - store.committedSeq))
        .metric('mehdb_replication_records_applied_total', 'counter', 'Records applied from the leader.', f.recordsApplied)
        .metric('mehdb_replication_snapshots_installed_total', 'counter', 'Snapshots installed.', f.snapshots)
        .metric('mehdb_replication_errors_total', 'counter', 'Failed pulls.', f.errors)
        .metric('mehdb_replication_rejected_total', 'counter', 'Responses rejected by validation.', f.rejected)
        .metric('mehdb_replication_ready', 'gauge', '1 once caught up with the leader.', follower.ready ? 1 : 0)
        .metric('mehdb_replication_last_contact_seconds', 'gauge', 'Seconds since the leader last answered; a long-poll answers at least every MEHDB_REPLICATION_WAIT_MS (-1: never).',
          f.lastContact ? Math.round((Date.now() - f.lastContact) / 100) / 10 : -1);
    }
    m.metric('mehdb_uptime_seconds', 'gauge', 'Seconds since start.', Math.round((Date.now() - started) / 1000));
    return m.toString();
  };

  const deps: HttpDeps = {
    config,
    store,
    log,
    role: config.role,
    ready: () => (follower ? follower.ready : true),
    shuttingDown: () => shuttingDown,
    replicationChanges: (res, q) => feed.changes(res, q),
    replicationSnapshot: (res) => feed.snapshot(res),
    metricsText,
  };
  router = new Router(routeTable(deps));
  const server = createHttpServer(config, log, createRequestHandler(deps, router));

  return {
    server,
    store,
    follower,
    listen: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.bind, () => {
          server.removeListener('error', reject);
          follower?.start();
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : config.port);
        });
      }),
    shutdown: async () => {
      if (shuttingDown) return;
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      feed.stop(); // long-polls answer now
      await follower?.stop();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref());
      await Promise.race([closed, timeout]);
      server.closeAllConnections();
      await store.close();
    },
  };
}
