import { CheckResult, checkHistory } from './checker';
import { HistoryOp, lostAcknowledgedWrites, nowNs } from './history';
import { readConsistent, runWorkload } from './workload';

/** A fault in effect; `heal` undoes it (restart, SIGCONT, rules removed, power back). */
export interface ActiveFault {
  heal(): Promise<void>;
}

/** Options of faultTrial. */
export interface TrialOptions {
  /** Base URLs of every replica (asked before each operation). */
  endpoints: () => string[];
  /** Maps a 307 Location to a reachable URL. */
  resolve?: (url: string) => string;
  clients?: number;
  keys?: number;
  requestTimeoutMs?: number;
  /** Load before the first fault. */
  warmupMs: number;
  /** Faults, one after the other: each is injected, lasts `faultMs`, is healed, then `settleMs` pass. */
  faults: number;
  /** Injects fault `index` and resolves once it is in effect (the fault's time is taken then). */
  inject(index: number): Promise<ActiveFault>;
  faultMs: number;
  settleMs: number;
  /** Where the checker writes its HTML view when the verdict is not Ok. */
  htmlFile?: string;
}

/** What a trial measured. */
export interface TrialResult {
  check: CheckResult;
  operations: number;
  acknowledgedWrites: number;
  unknown: number;
  lostAcknowledged: number;
  /** Per fault: ms from the fault to the first write issued after it that was acknowledged. */
  recoveryMs: number[];
  errors: Record<string, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Jepsen-style: concurrent clients write and read (consistent) while faults hit the store;
 * afterwards every key is read once more, every acknowledged write must still show, and
 * porcupine judges the whole history.
 */
export async function faultTrial(opts: TrialOptions): Promise<TrialResult> {
  const stop = new AbortController();
  const workload = runWorkload({
    endpoints: opts.endpoints,
    resolve: opts.resolve,
    clients: opts.clients ?? 6,
    keys: opts.keys ?? 12,
    durationMs: 3_600_000,
    requestTimeoutMs: opts.requestTimeoutMs ?? 2_000,
    maxOperations: 1_000_000,
    signal: stop.signal,
  });
  const faultAt: number[] = [];
  try {
    await sleep(opts.warmupMs);
    for (let i = 0; i < opts.faults; i++) {
      const fault = await opts.inject(i); // it may wait for the store to be whole first
      faultAt.push(nowNs());
      await sleep(opts.faultMs);
      await fault.heal();
      await sleep(opts.settleMs);
    }
  } finally {
    stop.abort();
  }
  const run = await workload;
  const final = await lostAcknowledgedWrites(run.history, readConsistent({ endpoints: opts.endpoints, resolve: opts.resolve, timeoutMs: 60_000 }));
  const history = [...run.history, ...final.finalReads];
  const check = await checkHistory(history, { htmlFile: opts.htmlFile, timeoutMs: 120_000 });
  return {
    check,
    operations: history.length,
    acknowledgedWrites: run.acknowledgedWrites,
    unknown: run.unknown,
    lostAcknowledged: final.lost.length,
    recoveryMs: faultAt.map((t) => firstAckAfter(run.history, t)),
    errors: run.errors,
  };
}

/** ms from `t` to the return of the first acknowledged write called at or after `t` (-1: none). */
function firstAckAfter(history: readonly HistoryOp[], t: number): number {
  let first = Infinity;
  for (const op of history) {
    if (op.kind === 'get' || op.return === null || op.call < t) continue;
    first = Math.min(first, op.return);
  }
  return Number.isFinite(first) ? Math.round((first - t) / 1e6) : -1;
}

/** Median and worst of a list of figures. */
export function medianAndWorst(values: readonly number[]): { median: number; worst: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, worst: sorted[sorted.length - 1] };
}
