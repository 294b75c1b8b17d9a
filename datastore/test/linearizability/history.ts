/**
 * The history format shared with the Go checker (checker/README.md), the monotonic clock the
 * workload stamps it with, and the plain "lost acknowledged write" count.
 */

/** One client operation. `return: null`: the client does not know the outcome. */
export interface HistoryOp {
  client: number;
  kind: 'put' | 'delete' | 'get';
  key: string;
  /** put: the value written. */
  value?: string;
  /** Monotonic nanoseconds (see nowNs). */
  call: number;
  return: number | null;
  /** delete: 200 (true) or 404 (false); get: 200 (true) or 404 (false). Absent when unknown. */
  found?: boolean;
  /** get with found: the value read. */
  result?: string;
}

/** What a final read of a key saw. */
export interface FinalValue {
  found: boolean;
  value?: string;
}

/** An acknowledged write whose effect the final state neither shows nor explains. */
export interface LostWrite {
  op: HistoryOp;
  final: FinalValue;
}

/** Result of lostAcknowledgedWrites. */
export interface LostWritesReport {
  /** Acknowledged writes (puts and deletes with a known return) that were examined. */
  acknowledged: number;
  lost: LostWrite[];
  /** The final reads as history operations (one fresh client), to append before checking. */
  finalReads: HistoryOp[];
}

const ORIGIN = process.hrtime.bigint();

/** Monotonic nanoseconds since this module loaded: a safe integer for ~104 days. */
export function nowNs(): number {
  return Number(process.hrtime.bigint() - ORIGIN);
}

/**
 * Reads every key the history wrote with `finalRead` (which must be a consistent read) and
 * counts the acknowledged writes whose effect is lost: the final state is neither that write's
 * effect (its value; absent for a delete) nor the effect of another write that did not finish
 * before it started (a later or concurrent write, acknowledged or unknown). Porcupine, given
 * the history plus `finalReads`, is the full check; this count is the plain-language one.
 */
export async function lostAcknowledgedWrites(
  history: readonly HistoryOp[],
  finalRead: (key: string) => Promise<FinalValue>,
): Promise<LostWritesReport> {
  const writesByKey = new Map<string, HistoryOp[]>();
  for (const op of history) {
    if (op.kind === 'get') continue;
    const list = writesByKey.get(op.key) ?? [];
    list.push(op);
    writesByKey.set(op.key, list);
  }
  const reader = history.reduce((max, op) => Math.max(max, op.client), -1) + 1;
  const report: LostWritesReport = { acknowledged: 0, lost: [], finalReads: [] };
  for (const [key, writes] of [...writesByKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const call = nowNs();
    const final = await finalRead(key);
    report.finalReads.push({ client: reader, kind: 'get', key, call, return: nowNs(), found: final.found, ...(final.found ? { result: final.value ?? '' } : {}) });
    const acknowledged = writes.filter((w) => w.return !== null);
    report.acknowledged += acknowledged.length;
    report.lost.push(...lostAmong(acknowledged, writes, final).map((op) => ({ op, final })));
  }
  return report;
}

/** The acknowledged writes of one key that the final value does not account for. */
function lostAmong(acknowledged: HistoryOp[], writes: HistoryOp[], final: FinalValue): HistoryOp[] {
  // The latest return among writes whose effect is the final state: a write started before
  // that time may have been overwritten by it.
  let explainedUntil = -Infinity;
  for (const w of writes) {
    if (effectIs(w, final)) explainedUntil = Math.max(explainedUntil, w.return ?? Infinity);
  }
  return acknowledged.filter((a) => !effectIs(a, final) && explainedUntil < a.call);
}

function effectIs(write: HistoryOp, final: FinalValue): boolean {
  return write.kind === 'delete' ? !final.found : final.found && final.value === write.value;
}
