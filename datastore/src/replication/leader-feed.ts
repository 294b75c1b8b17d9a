import { ServerResponse } from 'node:http';
import { Config } from '../config';
import { Logger, errText } from '../log';
import { MetricsSource, MetricsText } from '../metrics';
import { IndexEntry, LogStore } from '../store/log-store';
import { TYPE_SEGMENT, encodeRecord } from '../store/record';
import { CONTENT_TYPE, HDR_SEQ, HDR_STORE, MAX_BATCH_BYTES } from './wire';

/**
 * Serves the change stream to followers:
 *   GET /replication/changes?since=<seq>&store=<id>&wait=<ms>   long-poll, records after <seq>
 *   GET /replication/snapshot                                    every live key, then an end mark
 * 409 on /changes means "too far behind or a different data set: take a snapshot".
 */
export class LeaderFeed implements MetricsSource {
/** Counters, for metrics. */
  readonly stats = { changeRequests: 0, snapshotsServed: 0, recordsSent: 0 };
  private stopping = false;

  /** Change-stream metrics (served on followers too). */
  describeMetrics(m: MetricsText): void {
    m.metric('mehdb_replication_requests_total', 'counter', 'Change-stream requests served.', this.stats.changeRequests)
      .metric('mehdb_replication_records_sent_total', 'counter', 'Records sent to followers.', this.stats.recordsSent)
      .metric('mehdb_replication_snapshots_served_total', 'counter', 'Snapshots served.', this.stats.snapshotsServed);
  }

  /** From now on long-polls answer at once (shutdown). */
  stop(): void {
    this.stopping = true;
    this.store.wakeWaiters();
  }

  constructor(
    private readonly config: Config,
    private readonly store: LogStore,
    private readonly log: Logger,
  ) {}

/** GET /replication/changes: validates the query, then answers (long-polling when nothing is new). */
  changes(res: ServerResponse, query: URLSearchParams): void {
    this.stats.changeRequests++;
    const since = intParam(query.get('since'));
    const wait = query.has('wait') ? intParam(query.get('wait')) : 0;
    const store = query.get('store');
    if (since === undefined || wait === undefined || (store !== null && !/^[0-9a-f]{32}$/.test(store))) {
      return void plain(res, 400, 'bad replication request\n');
    }
    void this.serveChanges(res, since, this.stopping ? 0 : Math.min(wait, this.config.replicationWaitMs), store).catch((err) => {
      this.log.warn('replication response failed', { error: errText(err) });
      if (!res.headersSent) plain(res, 500, 'replication failed\n');
      else res.destroy();
    });
  }

  private async serveChanges(res: ServerResponse, since: number, wait: number, store: string | null): Promise<void> {
    const s = this.store;
    if (store !== null && store !== s.storeId) return void this.conflict(res);
    let entries = s.changesSince(since, this.config.replicationBatch);
    if (entries !== 'too-old' && entries.length === 0 && wait > 0) {
      let gone = false;
      const onClose = (): void => {
        gone = true;
      };
      res.on('close', onClose);
      await s.waitForCommit(since, wait);
      res.removeListener('close', onClose);
      if (gone || res.destroyed) return;
      if (store !== null && store !== s.storeId) return void this.conflict(res);
      entries = s.changesSince(since, this.config.replicationBatch);
    }
    if (entries === 'too-old') return void this.conflict(res);
    let bytes = 0;
    let n = 0;
    while (n < entries.length && (n === 0 || bytes + entries[n].len <= MAX_BATCH_BYTES)) bytes += entries[n++].len;
    const picked = entries.slice(0, n);
    const seq = s.committedSeq;
    const bufs = picked.length ? await s.recordsFor(picked) : [];
    this.stats.recordsSent += picked.length;
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPE,
      'Content-Length': bytes,
      [HDR_STORE]: s.storeId,
      [HDR_SEQ]: String(seq),
    });
    for (const b of bufs) res.write(b);
    res.end();
  }

  private conflict(res: ServerResponse): void {
    res.writeHead(409, {
      'Content-Type': 'text/plain; charset=utf-8',
      [HDR_STORE]: this.store.storeId,
      [HDR_SEQ]: String(this.store.committedSeq),
    });
    res.end('snapshot required\n');
  }

/** GET /replication/snapshot: streams every live record as of one seq, then the end mark. */
  snapshot(res: ServerResponse): void {
    this.stats.snapshotsServed++;
    const snap = this.store.beginSnapshot();
    res.on('close', snap.release);
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE, [HDR_STORE]: snap.storeId, [HDR_SEQ]: String(snap.seq) });
    void this.streamSnapshot(res, snap.entries, snap.seq)
      .catch((err) => {
        this.log.warn('snapshot stream failed', { error: errText(err) });
        res.destroy();
      })
      .finally(snap.release);
  }

  private async streamSnapshot(res: ServerResponse, entries: IndexEntry[], seq: number): Promise<void> {
    for (let i = 0; i < entries.length && !res.destroyed; ) {
      const chunk: IndexEntry[] = [];
      let bytes = 0;
      while (i < entries.length && (chunk.length === 0 || bytes < 1 << 20)) {
        bytes += entries[i].len;
        chunk.push(entries[i++]);
      }
      for (const b of await this.store.readRecords(chunk)) {
        if (!res.write(b)) await drained(res);
      }
    }
    if (res.destroyed) return;
    res.end(encodeRecord(TYPE_SEGMENT, seq, '', Buffer.from(JSON.stringify({ end: true, count: entries.length }))));
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.removeListener('drain', done);
      res.removeListener('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function intParam(v: string | null): number | undefined {
  if (v === null || !/^[0-9]{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
