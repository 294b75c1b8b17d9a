import * as http from 'node:http';
import { Config } from './config';
import { Router } from './http/router';
import { HttpDeps } from './http/deps';
import { createRequestHandler, routeTable } from './http/routes';
import { createHttpServer } from './http/server';
import { EpochState } from './failover/epoch-state';
import { Leadership, StaticLeadership } from './failover/leadership';
import { FailoverReplica } from './failover/replica';
import { notFoundPage, text } from './http/reply';
import { Logger, errText } from './log';
import { MetricsSource, MetricsText, renderMetrics } from './metrics';
import { Follower } from './replication/follower';
import { LeaderFeed } from './replication/leader-feed';
import { StorageFs } from './store/file-system';
import { LogStore, StoreOptions } from './store/log-store';
import { storeMetrics } from './store/store-metrics';

/** A running datastore process: the store, replication and the HTTP server, wired together. */
export interface App {
  readonly server: http.Server;
  readonly store: LogStore;
  readonly follower: Follower | undefined;
  /** Resolves once listening; the actual port (useful with port 0). */
  listen(): Promise<number>;
  /** Graceful stop: refuse new connections, finish in-flight requests, flush, close files. */
  shutdown(): Promise<void>;
}

/** Wires config -> store -> replication (and, with MEHDB_FAILOVER=lease, election) -> HTTP surface. */
export async function createApp(config: Config, fs: StorageFs, log: Logger): Promise<App> {
  const store = await LogStore.open(storeOptions(config, fs, log));
  const replica = config.failover ? new FailoverReplica(config, config.failover, store, await EpochState.load(fs, config.dataDir), log) : undefined;
  const feed = new LeaderFeed(config, store, log, replica);
  const follower = replica || config.role === 'follower' ? new Follower(config, store, log, replica) : undefined;
  if (replica && follower) replica.attach(follower);
  const leadership = replica ?? new StaticLeadership(config, () => follower?.ready ?? true);
  let shuttingDown = false;
  const metrics: Array<MetricsSource | undefined> = [];
  const deps: HttpDeps = {
    config,
    store,
    log,
    leadership,
    shuttingDown: () => shuttingDown,
    replicationChanges: (res, q) => feed.changes(res, q),
    replicationSnapshot: (res, q) => feed.snapshot(res, q),
    replicationFence: (res, q) => (replica ? fenceHandler(replica, res, q, log) : notFoundPage(res)),
    metricsText: () => renderMetrics(metrics),
  };
  const router = new Router(routeTable(deps));
  metrics.push(router, processMetrics(leadership, Date.now()), storeMetrics(store), feed, follower, replica);
  const server = createHttpServer(config, log, createRequestHandler(deps, router));

  return {
    server,
    store,
    follower,
    listen: () => listen(server, config, () => {
      follower?.start();
      replica?.start();
    }),
    shutdown: async () => {
      if (shuttingDown) return;
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await replica?.stop(); // a leader releases the Lease: a follower takes over at once
      feed.stop(); // long-polls answer now
      await follower?.stop();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref());
      await Promise.race([closed, timeout]);
      server.closeAllConnections();
      await store.close();
    },
  };
}

/** POST /replication/fence?epoch=E&leader=NAME, answered in JSON. */
function fenceHandler(replica: FailoverReplica, res: http.ServerResponse, q: URLSearchParams, log: Logger): void {
  const epoch = Number(q.get('epoch'));
  const leader = q.get('leader') ?? undefined;
  if (!/^[0-9]{1,15}$/.test(q.get('epoch') ?? '') || epoch < 1) return text(res, 400, 'bad fence request\n');
  replica.fence(epoch, leader).then(
    (reply) => text(res, reply.status, JSON.stringify(reply.body), { 'Content-Type': 'application/json' }),
    (err) => {
      log.error('fence failed', { error: errText(err) });
      text(res, 503, 'fence failed\n');
    },
  );
}

function storeOptions(config: Config, fs: StorageFs, log: Logger): StoreOptions {
  const { dataDir, maxKeyBytes, maxValueBytes, cacheBytes, segmentBytes, compactRatio, compactMinBytes } = config;
  return { dataDir, fs, log, maxKeyBytes, maxValueBytes, cacheBytes, segmentBytes, compactRatio, compactMinBytes };
}

function listen(server: http.Server, config: Config, started: () => void): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.bind, () => {
      server.removeListener('error', reject);
      started();
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : config.port);
    });
  });
}

/** Role and uptime of this process. */
function processMetrics(leadership: Leadership, started: number): MetricsSource {
  return {
    describeMetrics(m: MetricsText): void {
      m.metric('mehdb_is_leader', 'gauge', '1 on the leader, 0 on followers.', leadership.role() === 'leader' ? 1 : 0)
        .metric('mehdb_uptime_seconds', 'gauge', 'Seconds since start.', Math.round((Date.now() - started) / 1000));
    },
  };
}
