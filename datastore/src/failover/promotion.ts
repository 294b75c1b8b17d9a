import * as http from 'node:http';
import { FailoverConfig } from '../config';
import { Logger } from '../log';
import { Puller } from '../replication/puller';
import { LogStore } from '../store/log-store';

/** A replica's log position, as it answers a fence. */
export interface Position {
  readonly name: string;
  /** The epoch that wrote its last record. */
  readonly last: number;
  readonly seq: number;
}

/** What a takeover attempt found. */
export type PromotionResult =
  | { readonly kind: 'ready' }
  | { readonly kind: 'no-quorum'; readonly reached: number }
  | { readonly kind: 'higher-epoch'; readonly epoch: number };

/** Log order: a later epoch wins, then a higher seq. */
export function ahead(a: Position, b: Position): boolean {
  return a.last > b.last || (a.last === b.last && a.seq > b.seq);
}

/**
 * The quorum rule (CloudNativePG's R + W > N): an acknowledged write is on the leader and on
 * `syncAcks` followers, W + 1 replicas of N; a candidate that reached R replicas (itself
 * included) surely reached one that holds it when R + W + 1 > N.
 */
export function enoughReached(reached: number, cfg: Pick<FailoverConfig, 'replicas' | 'syncAcks'>): boolean {
  return reached + cfg.syncAcks + 1 > cfg.replicas;
}

/**
 * Taking over as the new leader of `epoch` (the Lease already names this replica):
 * 1. fence every peer: each durably accepts the epoch (and from then on refuses the old
 *    leader's stream, so nothing more can be acknowledged in an older epoch) and reports its
 *    log position;
 * 2. check the quorum rule over the replicas that answered;
 * 3. catch up from the most advanced of them, so that no acknowledged write is missing.
 * Only then may the caller start accepting writes.
 */
export async function promote(
  cfg: FailoverConfig,
  me: Position,
  epoch: number,
  store: LogStore,
  puller: Puller,
  log: Logger,
): Promise<PromotionResult> {
  const peers = [...cfg.peers].filter(([name]) => name !== me.name && ordinalOf(name) < cfg.replicas);
  const answers = await Promise.all(peers.map(([name, url]) => fence(url, name, epoch, me.name, cfg.retryPeriodMs)));
  const higher = Math.max(0, ...answers.map((a) => (a && 'higher' in a ? a.higher : 0)));
  if (higher > epoch) return { kind: 'higher-epoch', epoch: higher };
  const reached = answers.filter((a): a is Position => a !== undefined && !('higher' in a));
  log.info('fenced peers', { epoch, reached: reached.map((p) => `${p.name}@${p.last}:${p.seq}`), me: `${me.last}:${me.seq}` });
  if (!enoughReached(reached.length + 1, cfg)) return { kind: 'no-quorum', reached: reached.length + 1 };
  const best = reached.reduce((a, b) => (ahead(b, a) ? b : a), me);
  if (best !== me) {
    const url = cfg.peers.get(best.name)!;
    log.info('catching up before leading', { from: best.name, seq: best.seq, mine: store.committedSeq });
    while (store.committedSeq < best.seq || best.last > me.last) {
      const before = store.committedSeq;
      const outcome = await puller.pullOnce(url, 0);
      if (outcome !== 'applied') throw new Error(`catch-up from ${best.name}: ${outcome}`);
      if (store.committedSeq >= best.seq) break;
      if (store.committedSeq === before) throw new Error(`catch-up from ${best.name} made no progress`);
    }
  }
  return { kind: 'ready' };
}

function ordinalOf(name: string): number {
  return Number(/-([0-9]+)$/.exec(name)?.[1] ?? Infinity);
}

type FenceAnswer = Position | { readonly higher: number } | undefined;

/** POST /replication/fence to one peer; undefined when it does not answer in time. */
function fence(url: string, name: string, epoch: number, leader: string, timeoutMs: number): Promise<FenceAnswer> {
  return new Promise((resolve) => {
    const req = http.request(`${url}/replication/fence?epoch=${epoch}&leader=${encodeURIComponent(leader)}`, { method: 'POST', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => resolve(undefined));
      res.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { epoch?: unknown; last?: unknown; seq?: unknown };
          if (res.statusCode === 409 && typeof body.epoch === 'number') return resolve({ higher: body.epoch });
          if (res.statusCode === 200 && typeof body.last === 'number' && typeof body.seq === 'number') {
            return resolve({ name, last: body.last, seq: body.seq });
          }
        } catch {
          // not JSON: no answer
        }
        resolve(undefined);
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
