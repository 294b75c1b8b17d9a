import { ServerResponse } from 'node:http';
import { Config } from '../config';
import { Logger, errText } from '../log';
import { MetricsSource, MetricsText } from '../metrics';
import { IndexEntry, LogStore } from '../store/log-store';
import { TYPE_SEGMENT, encodeRecord } from '../store/record';
import { CONTENT_TYPE, HDR_CONFLICT, HDR_HISTORY, HDR_SEQ, HDR_STORE, MAX_BATCH_BYTES } from './wire';

/** What a pull says about the replica that sends it (MEHDB_FAILOVER=lease). */
export interface PullClaim {
  /** Pod name of the puller. */
  readonly replica: string | undefined;
  /** The epoch it pulls in. */
  readonly epoch: number | undefined;
  /** The epoch that wrote its record `since`. */
  readonly last: number | undefined;
  readonly since: number;
  /** The data-set id of its log (absent on snapshot requests). */
  readonly store: string | undefined;
}

/** Epoch fencing on the serving side: whether a pull is served, and the history to send. */
export interface FeedFencing {
  /**
   * `serve`; `epoch` (the epochs differ); `not-ready` (a new leader still catching up);
   * `snapshot` (the puller's log holds a tail the source does not). A served pull is also the
   * puller's acknowledgement of everything up to `since`.
   */
  admit(claim: PullClaim): 'serve' | 'epoch' | 'not-ready' | 'snapshot';
  /** The epoch history, header form. */
  history(): string;
}

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
    private readonly fencing?: FeedFencing,
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
    if (this.fencing) {
      const verdict = this.fencing.admit(claimOf(query, since));
      if (verdict === 'epoch') return void this.conflict(res, 'epoch');
      if (verdict === 'not-ready') return void plain(res, 503, 'not ready\n');
      if (verdict === 'snapshot') return void this.conflict(res);
    }
    const claim = this.fencing ? claimOf(query, since) : undefined;
    void this.serveChanges(res, since, this.stopping ? 0 : Math.min(wait, this.config.replicationWaitMs), store, claim).catch((err) => {
      this.log.warn('replication response failed', { error: errText(err) });
      if (!res.headersSent) plain(res, 500, 'replication failed\n');
      else res.destroy();
    });
  }

  private async serveChanges(res: ServerResponse, since: number, wait: number, store: string | null, claim: PullClaim | undefined): Promise<void> {
    const s = this.store;
    if (store !== null && store !== s.storeId) return void this.conflict(res);
    let entries = s.changesSince(since, this.config.replicationBatch);
    if (entries !== 'too-old' && entries.length === 0 && wait > 0) {
      let gone = false;
      const onClose = (): void => {
        gone = true;
      };
      res.on('close', onClose);
      await s.waitForChanges(since, wait);
      res.removeListener('close', onClose);
      if (gone || res.destroyed) return;
      if (store !== null && store !== s.storeId) return void this.conflict(res);
      // Leadership may have changed during the wait.
      if (claim && this.fencing!.admit(claim) !== 'serve') return void this.conflict(res, 'epoch');
      entries = s.changesSince(since, this.config.replicationBatch);
    }
    if (entries === 'too-old') return void this.conflict(res);
    let bytes = 0;
    let n = 0;
    while (n < entries.length && (n === 0 || bytes + entries[n].len <= MAX_BATCH_BYTES)) bytes += entries[n++].len;
    const picked = entries.slice(0, n);
    // While the leader pipelines, in-flight records may follow the committed ones: the header
    // then says the highest seq sent.
    const seq = Math.max(s.committedSeq, n ? picked[n - 1].seq : 0);
    const bufs = picked.length ? await s.recordsFor(picked) : [];
    this.stats.recordsSent += picked.length;
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPE,
      'Content-Length': bytes,
      [HDR_STORE]: s.storeId,
      [HDR_SEQ]: String(seq),
      ...this.historyHeader(),
    });
    for (const b of bufs) res.write(b);
    res.end();
  }

  private conflict(res: ServerResponse, reason: 'epoch' | 'snapshot' = 'snapshot'): void {
    res.writeHead(409, {
      'Content-Type': 'text/plain; charset=utf-8',
      [HDR_STORE]: this.store.storeId,
      [HDR_SEQ]: String(this.store.committedSeq),
      [HDR_CONFLICT]: reason,
    });
    res.end(reason === 'epoch' ? 'epoch mismatch\n' : 'snapshot required\n');
  }

  private historyHeader(): Record<string, string> {
    return this.fencing ? { [HDR_HISTORY]: this.fencing.history() } : {};
  }

/** GET /replication/snapshot: streams every live record as of one seq, then the end mark. */
  snapshot(res: ServerResponse, query: URLSearchParams): void {
    if (this.fencing) {
      const verdict = this.fencing.admit({ ...claimOf(query, 0), replica: undefined });
      if (verdict === 'epoch') return void this.conflict(res, 'epoch');
      if (verdict === 'not-ready') return void plain(res, 503, 'not ready\n');
    }
    this.stats.snapshotsServed++;
    const snap = this.store.beginSnapshot();
    res.on('close', snap.release);
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE, [HDR_STORE]: snap.storeId, [HDR_SEQ]: String(snap.seq), ...this.historyHeader() });
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

function claimOf(query: URLSearchParams, since: number): PullClaim {
  const replica = query.get('replica');
  const store = query.get('store');
  return {
    store: store !== null && /^[0-9a-f]{32}$/.test(store) ? store : undefined,
    replica: replica !== null && /^[a-z0-9.-]{1,253}$/.test(replica) ? replica : undefined,
    epoch: intParam(query.get('epoch')),
    last: intParam(query.get('last')),
    since,
  };
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
