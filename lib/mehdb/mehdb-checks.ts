// Mehdb's rules that involve more than one setting. They run even when another setting has a
// problem (every problem is reported at once), so each first checks that its inputs are valid.
import { z } from 'zod';
import { show } from '../common/prop-error';
import { problem } from '../common/schema';
import { DATASTORE_SHUTDOWN_TIMEOUT_MS, SCRAPE_ANNOTATIONS, toMilliseconds } from './mehdb-env';
import { DisruptionBudget, MehdbFailover, MehdbSettings, UpdateStrategyType } from './mehdb-props';

const isInteger = (v: unknown, min: number, max: number): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const PERCENT = /^\d{1,3}%$/;
const TIMINGS_FIX = 'keep leaseDurationSeconds > renewDeadlineSeconds > 1.2 x retryPeriodSeconds, e.g. 5, 3 and 1 (the defaults)';

/** client-go's rule: lease duration > renew deadline > 1.2 x retry period (compared in milliseconds). */
export function checkTimings(f: MehdbFailover, ctx: z.RefinementCtx): void {
  const [lease, renew, retry] = [f.leaseDurationSeconds, f.renewDeadlineSeconds, f.retryPeriodSeconds];
  if (typeof lease !== 'number' || typeof renew !== 'number' || typeof retry !== 'number') return;
  const [leaseMs, renewMs, retryMs] = [lease, renew, retry].map(toMilliseconds);
  if (renewMs >= leaseMs) {
    problem(ctx, ['renewDeadlineSeconds'],
      `${show(renew)} s is not shorter than leaseDurationSeconds (${show(lease)} s), so a leader that cannot renew could still act after another pod took over`,
      `${TIMINGS_FIX}: lower renewDeadlineSeconds or raise leaseDurationSeconds`);
  } else if (renewMs * 10 <= retryMs * 12) {
    problem(ctx, ['retryPeriodSeconds'],
      `${show(retry)} s x 1.2 is not shorter than renewDeadlineSeconds (${show(renew)} s), so the leader could miss its deadline between two attempts to renew`,
      `${TIMINGS_FIX}: lower retryPeriodSeconds or raise renewDeadlineSeconds`);
  }
}

/** The rules across Mehdb's settings: failover and replicas, partition, budget, grace period, scrape annotations. */
export function checkMehdb(s: MehdbSettings, ctx: z.RefinementCtx): void {
  const replicas = isInteger(s.replicas, 1, 1000) ? s.replicas : undefined;
  if (replicas !== undefined) {
    checkFailover(s.failover, replicas, ctx);
    const partition = s.updateStrategy?.partition;
    if (partition !== undefined && s.updateStrategy?.type === UpdateStrategyType.ROLLING_UPDATE && !isInteger(partition, 0, replicas)) {
      problem(ctx, ['updateStrategy', 'partition'], `${show(partition)} is not an integer from 0 to ${replicas}`, `set an integer from 0 to ${replicas}`);
    }
    if (typeof s.podDisruptionBudget === 'object') checkBudget(s.podDisruptionBudget, replicas, ctx);
  }
  checkGracePeriod(s, ctx);
  if (s.scrapeAnnotations === true) {
    for (const key of Object.keys(s.podAnnotations ?? {}).filter(k => SCRAPE_ANNOTATIONS.includes(k))) {
      problem(ctx, ['podAnnotations', key], 'the construct writes this annotation itself', `remove it (the construct's own: ${SCRAPE_ANNOTATIONS.join(', ')})`);
    }
  }
}

/** With failover on: 3 replicas, or 2 with solo; acknowledging followers from 1 to replicas - 1. */
function checkFailover(f: MehdbFailover | undefined, replicas: number, ctx: z.RefinementCtx): void {
  if (f?.enabled === false) return;
  if (replicas === 1) {
    problem(ctx, ['replicas'], '1 replica cannot fail over: there is no follower to acknowledge writes or to take over',
      'set replicas to 3 (or 2 with failover.solo: true), or failover.enabled: false to run one pod without election');
  } else if (replicas === 2 && f?.solo !== true) {
    problem(ctx, ['replicas'], '2 replicas with failover stop taking writes whenever the follower is lost (every write needs its acknowledgement)',
      'set replicas to 3, or failover.solo: true to let the leader write alone when the follower is lost (no failover while it does)');
  }
  const acks = f?.syncAcks ?? 1;
  if (replicas > 1 && !isInteger(acks, 1, replicas - 1)) {
    problem(ctx, ['failover', 'syncAcks'], `${show(acks)} is not an integer from 1 to ${replicas - 1} (the followers of ${replicas} replicas)`,
      `set an integer from 1 to ${replicas - 1}, or raise replicas`);
  }
}

/** Neither bound may block every drain: minAvailable below all pods (100%), maxUnavailable at least one pod (1%). */
function checkBudget(budget: DisruptionBudget, replicas: number, ctx: z.RefinementCtx): void {
  const set = (['minAvailable', 'maxUnavailable'] as const).filter(k => budget[k] !== undefined);
  if (set.length !== 1) return;
  const key = set[0];
  const amount = budget[key]!;
  const percent = typeof amount === 'string';
  const [low, high] = key === 'minAvailable' ? [1, percent ? 99 : replicas - 1] : [1, percent ? 100 : replicas];
  const number = percent && PERCENT.test(amount) ? Number(amount.slice(0, -1)) : amount;
  if (typeof number === 'number' && Number.isInteger(number) && number >= low && number <= high) return;
  const unit = percent ? '%' : '';
  problem(ctx, ['podDisruptionBudget', key],
    `${show(amount)} is not ${high < low ? 'possible with one replica' : `from ${low}${unit} to ${high}${unit}`} (a budget that admits no eviction blocks every drain)`,
    high < low ? 'use { "maxUnavailable": 1 } (or true)'
      : `write an integer from ${low} to ${high}${percent ? ' or a percentage such as "50%"' : ''} (${replicas} replicas)`);
}

/** More than the datastore's shutdown timeout, or SIGKILL could cut in-flight writes. */
function checkGracePeriod(s: MehdbSettings, ctx: z.RefinementCtx): void {
  const seconds = s.terminationGracePeriodSeconds;
  if (!isInteger(seconds, 1, 86400)) return;
  const shutdownMs = Number(s.extraEnv?.MEHDB_SHUTDOWN_TIMEOUT_MS ?? DATASTORE_SHUTDOWN_TIMEOUT_MS);
  if (Number.isFinite(shutdownMs) && seconds * 1000 <= shutdownMs) {
    problem(ctx, ['terminationGracePeriodSeconds'],
      `${seconds} s does not exceed the datastore's shutdown timeout (MEHDB_SHUTDOWN_TIMEOUT_MS ${shutdownMs} ms), so SIGKILL could cut in-flight writes`,
      `set more than ${Math.ceil(shutdownMs / 1000)} seconds, or lower MEHDB_SHUTDOWN_TIMEOUT_MS in mehdb.extraEnv`);
  }
}
