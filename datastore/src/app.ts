import * as http from 'node:http';
import { Config } from './config';
import { Router } from './http/router';
import { HttpDeps, createRequestHandler, routeTable } from './http/routes';
import { createHttpServer } from './http/server';
import { Logger } from './log';
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

/** Wires config -> store -> replication -> HTTP surface. */
export async function createApp(config: Config, fs: StorageFs, log: Logger): Promise<App> {
  const store = await LogStore.open(storeOptions(config, fs, log));
  const feed = new LeaderFeed(config, store, log);
  const follower = config.role === 'follower' ? new Follower(config, store, log) : undefined;
  let shuttingDown = false;
  const metrics: Array<MetricsSource | undefined> = [];
  const deps: HttpDeps = {
    config,
    store,
    log,
    role: config.role,
    ready: () => (follower ? follower.ready : true),
    shuttingDown: () => shuttingDown,
    replicationChanges: (res, q) => feed.changes(res, q),
    replicationSnapshot: (res) => feed.snapshot(res),
    metricsText: () => renderMetrics(metrics),
  };
  const router = new Router(routeTable(deps));
  metrics.push(router, processMetrics(config, Date.now()), storeMetrics(store), feed, follower);
  const server = createHttpServer(config, log, createRequestHandler(deps, router));

  return {
    server,
    store,
    follower,
    listen: () => listen(server, config, follower),
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

function storeOptions(config: Config, fs: StorageFs, log: Logger): StoreOptions {
  const { dataDir, maxKeyBytes, maxValueBytes, cacheBytes, segmentBytes, compactRatio, compactMinBytes } = config;
  return { dataDir, fs, log, maxKeyBytes, maxValueBytes, cacheBytes, segmentBytes, compactRatio, compactMinBytes };
}

function listen(server: http.Server, config: Config, follower: Follower | undefined): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.bind, () => {
      server.removeListener('error', reject);
      follower?.start();
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : config.port);
    });
  });
}

/** Role and uptime of this process. */
function processMetrics(config: Config, started: number): MetricsSource {
  return {
    describeMetrics(m: MetricsText): void {
      m.metric('mehdb_is_leader', 'gauge', '1 on the leader, 0 on followers.', config.role === 'leader' ? 1 : 0)
        .metric('mehdb_uptime_seconds', 'gauge', 'Seconds since start.', Math.round((Date.now() - started) / 1000));
    },
  };
}
