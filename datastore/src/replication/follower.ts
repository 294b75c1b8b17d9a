import * as http from 'node:http';
import { Config } from '../config';
import { ReplicationError } from '../errors';
import { isValidKeySyntax } from '../keys';
import { Logger, errText } from '../log';
import { MetricsSource, MetricsText } from '../metrics';
import { LogStore } from '../store/log-store';
import { DecodeLimits, DecodedRecord, TYPE_DEL, TYPE_PUT, TYPE_SEGMENT } from '../store/record';
import { HDR_SEQ, HDR_STORE, MAX_BATCH_BYTES, RecordStreamParser, WireError, parseSeqHeader, parseStoreHeader } from './wire';

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  stream: http.IncomingMessage;
}

/**
 * Pulls the leader's change stream into the local store: long-poll from the last applied seq
 * (which is durable in the store, so a restart resumes where it stopped), full snapshot when the
 * leader answers 409. Everything received is checked before it is applied.
 */
export class Follower implements MetricsSource {
/** Counters and the last leader contact, for metrics and logs. */
  readonly stats = { batches: 0, recordsApplied: 0, snapshots: 0, rejected: 0, errors: 0, leaderSeq: 0, lastContact: 0 };
  private caughtUp = false;
  private stopped = false;
  private current: http.ClientRequest | undefined;
  private loop: Promise<void> | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  private readonly limits: DecodeLimits;
  private failing = false;

  constructor(
    private readonly config: Config,
    private readonly store: LogStore,
    private readonly log: Logger,
  ) {
    this.limits = { maxKeyBytes: config.maxKeyBytes, maxValueBytes: config.maxValueBytes };
  }

  /** Replication metrics of this follower. */
  describeMetrics(m: MetricsText): void {
    const f = this.stats;
    m.metric('mehdb_replication_leader_seq', 'gauge', 'Leader seq last seen.', f.leaderSeq)
      .metric('mehdb_replication_lag_records', 'gauge', 'Leader seq minus applied seq.', Math.max(0, f.leaderSeq - this.store.committedSeq))
      .metric('mehdb_replication_records_applied_total', 'counter', 'Records applied from the leader.', f.recordsApplied)
      .metric('mehdb_replication_snapshots_installed_total', 'counter', 'Snapshots installed.', f.snapshots)
      .metric('mehdb_replication_errors_total', 'counter', 'Failed pulls.', f.errors)
      .metric('mehdb_replication_rejected_total', 'counter', 'Responses rejected by validation.', f.rejected)
      .metric('mehdb_replication_ready', 'gauge', '1 once caught up with the leader.', this.ready ? 1 : 0)
      .metric('mehdb_replication_last_contact_seconds', 'gauge', 'Seconds since the leader last answered; a long-poll answers at least every MEHDB_REPLICATION_WAIT_MS (-1: never).',
        f.lastContact ? Math.round((Date.now() - f.lastContact) / 100) / 10 : -1);
  }

  /** True once the follower has been level with the leader at least once since start. */
  get ready(): boolean {
    return this.caughtUp;
  }

/** Starts pulling (after the server listens). */
  start(): void {
    this.loop = this.run();
  }

/** Stops pulling: aborts the request in flight and waits for the loop to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.destroy();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
    await this.loop;
    this.agent.destroy();
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        await this.pullOnce();
        if (this.failing) this.log.info('replication resumed', { seq: this.store.committedSeq });
        this.failing = false;
        backoff = 100;
      } catch (err) {
        if (this.stopped) break;
        this.stats.errors++;
        if (err instanceof WireError) this.stats.rejected++;
        if (!this.failing || err instanceof WireError) {
          this.log.warn('replication failed, retrying', { error: errText(err), seq: this.store.committedSeq });
        }
        this.failing = true;
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }

  private async pullOnce(): Promise<void> {
    const since = this.store.committedSeq;
    const wait = this.caughtUp ? this.config.replicationWaitMs : 0;
    const url = `${this.config.leaderUrl}/replication/changes?since=${since}&store=${this.store.storeId}&wait=${wait}`;
    const res = await this.get(url, wait + 10_000);
    this.stats.lastContact = Date.now();
    if (res.status === 409) {
      res.stream.resume();
      return this.resync();
    }
    if (res.status !== 200) {
      res.stream.resume();
      throw new WireError(`leader answered ${res.status}`);
    }
    const store = parseStoreHeader(res.headers[HDR_STORE]);
    const leaderSeq = parseSeqHeader(res.headers[HDR_SEQ]);
    if (store === undefined || leaderSeq === undefined || store !== this.store.storeId) {
      res.stream.resume();
      throw new WireError('bad replication headers');
    }
    const body = await readAll(res.stream, MAX_BATCH_BYTES + this.config.maxValueBytes + 64 * 1024);
    const parser = new RecordStreamParser(this.limits);
    const records = parser.push(body);
    if (parser.leftover !== 0) throw new WireError('truncated batch');
    let prev = since;
    for (const r of records) {
      this.check(r);
      if (r.seq <= prev || r.seq > leaderSeq) throw new WireError('record out of order');
      prev = r.seq;
    }
    if (records.length === 0 && leaderSeq > since) {
      // The leader claims changes it does not send: never spin on that.
      throw new WireError('leader is ahead but sent nothing');
    }
    if (records.length) {
      await this.store.applyReplicated(records);
      this.stats.batches++;
      this.stats.recordsApplied += records.length;
    }
    this.stats.leaderSeq = leaderSeq;
    if (this.store.committedSeq >= leaderSeq && !this.caughtUp) {
      this.caughtUp = true;
      this.log.info('caught up with leader', { seq: leaderSeq, keys: this.store.keyCount });
    }
  }

  private check(r: DecodedRecord): void {
    if (r.type !== TYPE_PUT && r.type !== TYPE_DEL) throw new WireError('unexpected record type');
    if (!isValidKeySyntax(r.key) || r.key.length > this.config.maxKeyBytes) throw new WireError('invalid key from leader');
  }

  /** Replaces the local data with the leader's snapshot. */
  private async resync(): Promise<void> {
    const started = Date.now();
    const res = await this.get(`${this.config.leaderUrl}/replication/snapshot`, 60_000); // idle timeout
    if (res.status !== 200) {
      res.stream.resume();
      throw new WireError(`snapshot answered ${res.status}`);
    }
    const store = parseStoreHeader(res.headers[HDR_STORE]);
    const seq = parseSeqHeader(res.headers[HDR_SEQ]);
    if (store === undefined || seq === undefined) {
      res.stream.resume();
      throw new WireError('bad snapshot headers');
    }
    this.log.info('installing snapshot from leader', { seq, from: this.store.committedSeq });
    const installer = await this.store.beginInstall(store, seq);
    const parser = new RecordStreamParser(this.limits);
    const seen = new Set<string>();
    let ended = false;
    let count = 0;
    try {
      for await (const chunk of res.stream as AsyncIterable<Buffer>) {
        if (ended) throw new WireError('data after snapshot end');
        const records = parser.push(chunk);
        const batch: DecodedRecord[] = [];
        for (const r of records) {
          if (ended) throw new WireError('data after snapshot end');
          if (r.type === TYPE_SEGMENT) {
            const mark = JSON.parse(r.value.toString('utf8')) as { end?: unknown; count?: unknown };
            if (mark.end !== true || mark.count !== count || r.seq !== seq) throw new WireError('bad snapshot end');
            ended = true;
            continue;
          }
          this.check(r);
          if (r.type !== TYPE_PUT || r.seq > seq || seen.has(r.key)) throw new WireError('bad snapshot record');
          seen.add(r.key);
          count++;
          batch.push(r);
        }
        if (batch.length) await installer.add(batch);
      }
      if (!ended || parser.leftover !== 0) throw new WireError('snapshot cut short');
      await installer.commit();
    } catch (err) {
      await installer.abort();
      throw err instanceof SyntaxError ? new WireError('bad snapshot end') : err;
    }
    this.stats.snapshots++;
    this.log.info('snapshot installed', { seq, keys: count, ms: Date.now() - started });
  }

  private get(url: string, timeoutMs: number): Promise<Response> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new ReplicationError('REPLICATION_STOPPED', 'stopped'));
      const req = http.get(url, { agent: this.agent, timeout: timeoutMs }, (res) => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, stream: res });
      });
      this.current = req;
      req.on('timeout', () => req.destroy(new ReplicationError('REPLICATION_TIMEOUT', 'replication request timed out')));
      req.on('error', reject);
    });
  }
}

function readAll(stream: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        stream.destroy();
        reject(new WireError('batch too large'));
        return;
      }
      chunks.push(c);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks, size)));
    stream.on('error', reject);
    stream.on('aborted', () => reject(new WireError('batch cut short')));
  });
}
