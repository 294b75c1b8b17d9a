import * as http from 'node:http';
import { Config } from '../config';
import { ReplicationError } from '../errors';
import { isValidKeySyntax } from '../keys';
import { Logger } from '../log';
import { LogStore } from '../store/log-store';
import { DecodeLimits, DecodedRecord, TYPE_DEL, TYPE_PUT, TYPE_SEGMENT } from '../store/record';
import { HDR_CONFLICT, HDR_HISTORY, HDR_SEQ, HDR_STORE, MAX_BATCH_BYTES, RecordStreamParser, WireError, parseSeqHeader, parseStoreHeader } from './wire';

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  stream: http.IncomingMessage;
}

/**
 * Epoch fencing on the follower's side (MEHDB_FAILOVER=lease): what a pull says about this
 * replica, and what it does with the leader's epoch history before applying anything.
 */
export interface PullFencing {
  /** Query parameters naming this replica, its epoch and the epoch of its last record. */
  params(since: number): string;
  /** The epoch pulls are made in now; a response to an older one is dropped. */
  epoch(): number;
  /** Takes the source's history (header value) before its records are applied. */
  adoptHistory(header: string | undefined): Promise<void>;
}

/** How one pull ended. */
export type PullOutcome = 'applied' | 'epoch-conflict' | 'not-ready';

/** Counters of the pulls, for metrics. */
export interface PullStats {
  batches: number;
  recordsApplied: number;
  snapshots: number;
  leaderSeq: number;
  lastContact: number;
}

/**
 * One pull of a change stream into the local store, or a full snapshot when the source answers
 * 409: everything received is checked before it is applied. Used by the follower's loop and by
 * a new leader catching up from the most advanced peer.
 */
export class Puller {
  /** Counters, read by the follower's metrics. */
  readonly stats: PullStats = { batches: 0, recordsApplied: 0, snapshots: 0, leaderSeq: 0, lastContact: 0 };
  private current: http.ClientRequest | undefined;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  private readonly limits: DecodeLimits;

  constructor(
    private readonly config: Config,
    private readonly store: LogStore,
    private readonly log: Logger,
    private readonly fencing: PullFencing | undefined,
  ) {
    this.limits = { maxKeyBytes: config.maxKeyBytes, maxValueBytes: config.maxValueBytes };
  }

  /** Aborts the request in flight, if any. */
  abort(): void {
    this.current?.destroy();
  }

  /** Closes the connections. */
  close(): void {
    this.abort();
    this.agent.destroy();
  }

  /** Pulls once from `url` (a long-poll of up to `wait` ms), applying what comes. */
  async pullOnce(url: string, wait: number): Promise<PullOutcome> {
    const since = this.store.committedSeq;
    const epoch = this.fencing?.epoch();
    const fence = this.fencing ? `&${this.fencing.params(since)}` : '';
    const res = await this.get(`${url}/replication/changes?since=${since}&store=${this.store.storeId}&wait=${wait}${fence}`, wait + 10_000);
    this.stats.lastContact = Date.now();
    if (res.status === 409 && res.headers[HDR_CONFLICT] === 'epoch') return drop(res, 'epoch-conflict');
    if (res.status === 503 && this.fencing) return drop(res, 'not-ready');
    if (res.status === 409) {
      res.stream.resume();
      await this.resync(url);
      return 'applied';
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
    const records = await this.readBatch(res, since, leaderSeq);
    if (epoch !== this.fencing?.epoch()) return 'epoch-conflict'; // fenced meanwhile: not from our leader any more
    await this.fencing?.adoptHistory(header(res, HDR_HISTORY));
    if (records.length) {
      await this.store.applyReplicated(records);
      this.stats.batches++;
      this.stats.recordsApplied += records.length;
    }
    this.stats.leaderSeq = leaderSeq;
    return 'applied';
  }

  private async readBatch(res: Response, since: number, leaderSeq: number): Promise<DecodedRecord[]> {
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
    // The leader claims changes it does not send: never spin on that.
    if (records.length === 0 && leaderSeq > since) throw new WireError('leader is ahead but sent nothing');
    return records;
  }

  private check(r: DecodedRecord): void {
    if (r.type !== TYPE_PUT && r.type !== TYPE_DEL) throw new WireError('unexpected record type');
    if (!isValidKeySyntax(r.key) || r.key.length > this.config.maxKeyBytes) throw new WireError('invalid key from leader');
  }

  /** Replaces the local data with the source's snapshot. */
  private async resync(url: string): Promise<void> {
    const started = Date.now();
    const fence = this.fencing ? `?${this.fencing.params(this.store.committedSeq)}` : '';
    const res = await this.get(`${url}/replication/snapshot${fence}`, 60_000); // idle timeout
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
    const count = await this.install(res, store, seq);
    // After the install, never before: a failed install keeps the old log, and the old log must
    // keep its own history. A crash in between costs another snapshot, nothing worse.
    await this.fencing?.adoptHistory(header(res, HDR_HISTORY));
    this.stats.snapshots++;
    this.log.info('snapshot installed', { seq, keys: count, ms: Date.now() - started });
  }

  private async install(res: Response, store: string, seq: number): Promise<number> {
    const installer = await this.store.beginInstall(store, seq);
    const parser = new RecordStreamParser(this.limits);
    const seen = new Set<string>();
    let ended = false;
    let count = 0;
    try {
      for await (const chunk of res.stream as AsyncIterable<Buffer>) {
        if (ended) throw new WireError('data after snapshot end');
        const batch: DecodedRecord[] = [];
        for (const r of parser.push(chunk)) {
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
    return count;
  }

  private get(url: string, timeoutMs: number): Promise<Response> {
    return new Promise((resolve, reject) => {
      const req = http.get(url, { agent: this.agent, timeout: timeoutMs }, (res) => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, stream: res });
      });
      this.current = req;
      req.on('timeout', () => req.destroy(new ReplicationError('REPLICATION_TIMEOUT', 'replication request timed out')));
      req.on('error', reject);
    });
  }
}

function drop(res: Response, outcome: PullOutcome): PullOutcome {
  res.stream.resume();
  return outcome;
}

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return typeof v === 'string' ? v : undefined;
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
