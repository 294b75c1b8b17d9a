import * as http from 'node:http';
import { FinalValue, HistoryOp, nowNs } from './history';
import { Answer, send, Target } from './http-client';
import { prng } from '../support/prng';

/** Options of runWorkload. Keys `<keyPrefix><i>` must not exist before the run. */
export interface WorkloadOptions {
  /** Base URLs (http://host:port) to send to; asked before every operation. */
  endpoints: () => string[];
  /** Maps a 307 Location (e.g. a pod's cluster DNS name) to a reachable URL. Default: as is. */
  resolve?: (url: string) => string;
  clients: number;
  keys: number;
  durationMs: number;
  /** Budget of one operation, all redirects included. */
  requestTimeoutMs: number;
  /** Stops issuing operations (those in flight finish within requestTimeoutMs). */
  signal?: AbortSignal;
  /** Upper bound on operations issued. Default 20 000. */
  maxOperations?: number;
  /** Redirects followed per operation. Default 3. */
  maxRedirects?: number;
  /** Relative weights of the operation kinds. Default put 4, delete 1, get 5. */
  mix?: { put: number; delete: number; get: number };
  /** Default `lin-<random>-`, fresh for every run. */
  keyPrefix?: string;
  /** Pause after an operation that was dropped or unknown (node down, no leader). Default 50. */
  backoffMs?: number;
  /** Seed of the operation mix (default random). */
  seed?: number;
}

/** An acknowledged PUT: the value must stay readable unless overwritten or deleted. */
export interface AcknowledgedPut {
  client: number;
  key: string;
  value: string;
  call: number;
  return: number;
}

/** What a run recorded. */
export interface WorkloadResult {
  /** Every recorded operation, in the order they ended, in the checker's format. */
  history: HistoryOp[];
  acknowledgedPuts: AcknowledgedPut[];
  /** PUT 200, DELETE 200 and DELETE 404. */
  acknowledgedWrites: number;
  /** Writes recorded with `return: null`. */
  unknown: number;
  /** Operations left out of the history: failed GETs and writes refused before anything happened. */
  dropped: number;
  /** Failures by kind: `timeout`, `ECONNRESET`, `ECONNREFUSED`, `http-503`, `no-leader`, `redirect-limit`, ... */
  errors: Record<string, number>;
  /** Client ids used (each unknown outcome retires one). */
  clientIds: number;
  keys: string[];
  seed: number;
  durationMs: number;
}

type Kind = HistoryOp['kind'];

interface Run {
  opts: WorkloadOptions;
  target: Omit<Target, 'bases'>;
  keys: string[];
  random: () => number;
  deadline: number;
  issued: number;
  nextClient: number;
  result: WorkloadResult;
}

/**
 * Runs `clients` concurrent clients, each doing a random mix of PUT /set/<key> (unique values
 * `c<client>-<n>`), DELETE /delete/<key> and GET /get/<key>?consistent until durationMs,
 * maxOperations or the signal, and records the history. A write that fails after its
 * connection was made (503, timeout, reset, other status) has an unknown outcome: recorded
 * with `return: null`, and its client takes a new id. A failed GET, and a write refused before
 * anything happened (connection refused, 503 `no leader`, too many redirects), are dropped.
 */
export async function runWorkload(opts: WorkloadOptions): Promise<WorkloadResult> {
  const started = Date.now();
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const prefix = opts.keyPrefix ?? `lin-${Math.random().toString(36).slice(2, 8)}-`;
  const keys = Array.from({ length: opts.keys }, (_, i) => `${prefix}${i}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, opts.clients) * 2 });
  const run: Run = {
    opts,
    target: { resolve: opts.resolve ?? ((u) => u), maxRedirects: opts.maxRedirects ?? 3, agent },
    keys,
    random: prng(seed),
    deadline: started + opts.durationMs,
    issued: 0,
    nextClient: 0,
    result: { history: [], acknowledgedPuts: [], acknowledgedWrites: 0, unknown: 0, dropped: 0, errors: {}, clientIds: 0, keys, seed, durationMs: 0 },
  };
  try {
    await Promise.all(Array.from({ length: opts.clients }, () => clientLoop(run)));
  } finally {
    agent.destroy();
  }
  run.result.clientIds = run.nextClient;
  run.result.durationMs = Date.now() - started;
  return run.result;
}

async function clientLoop(run: Run): Promise<void> {
  let client = run.nextClient++;
  let seq = 0;
  while (Date.now() < run.deadline && run.issued < (run.opts.maxOperations ?? 20_000) && !run.opts.signal?.aborted) {
    run.issued++;
    const kind = pickKind(run);
    const key = run.keys[Math.floor(run.random() * run.keys.length)];
    const value = kind === 'put' ? `c${client}-${seq++}` : undefined;
    const call = nowNs();
    const answer = await send({ ...run.target, bases: rotate(run.opts.endpoints(), run.random) }, ...request(kind, key, value), Date.now() + run.opts.requestTimeoutMs);
    const ret = nowNs();
    const outcome = record(run.result, classify(kind, answer), { client, kind, key, ...(value !== undefined ? { value } : {}), call, return: ret });
    if (outcome === 'unknown') client = run.nextClient++;
    if (outcome !== 'ok') await sleep(run.opts.backoffMs ?? 50);
  }
}

function request(kind: Kind, key: string, value: string | undefined): [string, string, string | undefined] {
  if (kind === 'put') return ['PUT', `/set/${key}`, value];
  if (kind === 'delete') return ['DELETE', `/delete/${key}`, undefined];
  return ['GET', `/get/${key}?consistent`, undefined];
}

/** What an answer means for the history. */
type Classified =
  | { outcome: 'ok'; found?: boolean; result?: string }
  | { outcome: 'unknown'; error: string }
  | { outcome: 'dropped'; error: string };

function classify(kind: Kind, answer: Answer): Classified {
  if ('error' in answer) {
    const definite = !answer.delivered || kind === 'get';
    return definite ? { outcome: 'dropped', error: answer.error } : { outcome: 'unknown', error: answer.error };
  }
  const { status, text } = answer;
  if (kind === 'put' && status === 200) return { outcome: 'ok' };
  if (kind === 'delete' && (status === 200 || status === 404)) return { outcome: 'ok', found: status === 200 };
  if (kind === 'get' && status === 200) return { outcome: 'ok', found: true, result: text };
  if (kind === 'get' && status === 404) return { outcome: 'ok', found: false };
  if (status === 503 && text === 'no leader\n') return { outcome: 'dropped', error: 'no-leader' };
  const error = `http-${status}`;
  return kind === 'get' ? { outcome: 'dropped', error } : { outcome: 'unknown', error };
}

/** Adds the operation to the history (or not) and updates the counts. */
function record(result: WorkloadResult, c: Classified, op: HistoryOp): Classified['outcome'] {
  if (c.outcome !== 'ok') result.errors[c.error] = (result.errors[c.error] ?? 0) + 1;
  if (c.outcome === 'dropped') {
    result.dropped++;
    return c.outcome;
  }
  if (c.outcome === 'unknown') {
    result.unknown++;
    result.history.push({ ...op, return: null });
    return c.outcome;
  }
  const done: HistoryOp = { ...op, ...(c.found !== undefined ? { found: c.found } : {}), ...(c.result !== undefined ? { result: c.result } : {}) };
  result.history.push(done);
  if (op.kind !== 'get') result.acknowledgedWrites++;
  if (op.kind === 'put') result.acknowledgedPuts.push({ client: op.client, key: op.key, value: op.value!, call: op.call, return: op.return! });
  return c.outcome;
}

function pickKind(run: Run): Kind {
  const mix = run.opts.mix ?? { put: 4, delete: 1, get: 5 };
  let r = run.random() * (mix.put + mix.delete + mix.get);
  if ((r -= mix.put) < 0) return 'put';
  return r - mix.delete < 0 ? 'delete' : 'get';
}

/** The endpoints starting at a random one, so clients spread over them. */
function rotate(endpoints: string[], random: () => number): string[] {
  const start = Math.floor(random() * endpoints.length);
  return [...endpoints.slice(start), ...endpoints.slice(0, start)];
}

/** Options of readConsistent. */
export interface ReadOptions {
  endpoints: () => string[];
  resolve?: (url: string) => string;
  /** Retry budget per key (503, no leader, node down). Default 30 000. */
  timeoutMs?: number;
  maxRedirects?: number;
}

/**
 * A final reader for lostAcknowledgedWrites: GET /get/<key>?consistent, following redirects
 * and retrying until a 200 or 404; rejects when timeoutMs passes without one.
 */
export function readConsistent(opts: ReadOptions): (key: string) => Promise<FinalValue> {
  return async (key) => {
    const agent = new http.Agent({ keepAlive: false });
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    let last = '';
    try {
      while (Date.now() < deadline) {
        const target = { bases: opts.endpoints(), resolve: opts.resolve ?? ((u: string) => u), maxRedirects: opts.maxRedirects ?? 3, agent };
        const answer = await send(target, 'GET', `/get/${key}?consistent`, undefined, Math.min(deadline, Date.now() + 5_000));
        if (!('error' in answer) && answer.status === 200) return { found: true, value: answer.text };
        if (!('error' in answer) && answer.status === 404) return { found: false };
        last = 'error' in answer ? answer.error : `HTTP ${answer.status} ${answer.text.trim()}`;
        await sleep(200);
      }
    } finally {
      agent.destroy();
    }
    throw new Error(`no consistent read of ${key} within ${opts.timeoutMs ?? 30_000} ms (last: ${last})`);
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

