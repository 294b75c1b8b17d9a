import { InvalidPropError, show } from '../common/prop-error';
import { checkDnsSubdomain, checkKnownKeys } from '../common/validate';
import { FAILOVER_DEFAULTS, MehdbFailover, SettledFailover } from './mehdb-props';

const PROP = 'Mehdb.failover';
const FAILOVER_KEYS = [...Object.keys(FAILOVER_DEFAULTS), 'leaseName'];
/** The longest duration accepted, in seconds: an hour is already far beyond any useful lease or timeout. */
const MAX_SECONDS = 3600;

/**
 * Resolves `Mehdb.failover`: unknown keys and bad values are refused whether failover is on or off;
 * when it is on, the replica count must allow it (3, or 2 with solo) and the timings must satisfy
 * client-go's rule. Returns undefined when failover is off.
 */
export function settleFailover(value: MehdbFailover, replicas: number, name: string): SettledFailover | undefined {
  const given = checkKnownKeys(PROP, value, FAILOVER_KEYS);
  const f = { ...FAILOVER_DEFAULTS, leaseName: `${name}-leader`, ...given };
  const enabled = checkBoolean(`${PROP}.enabled`, f.enabled);
  const settled: SettledFailover = {
    leaseDurationSeconds: checkSeconds(`${PROP}.leaseDurationSeconds`, f.leaseDurationSeconds),
    renewDeadlineSeconds: checkSeconds(`${PROP}.renewDeadlineSeconds`, f.renewDeadlineSeconds),
    retryPeriodSeconds: checkSeconds(`${PROP}.retryPeriodSeconds`, f.retryPeriodSeconds),
    syncTimeoutSeconds: checkSeconds(`${PROP}.syncTimeoutSeconds`, f.syncTimeoutSeconds),
    syncAcks: f.syncAcks,
    solo: checkBoolean(`${PROP}.solo`, f.solo),
    leaseName: checkDnsSubdomain(`${PROP}.leaseName`, f.leaseName),
  };
  checkTimings(settled);
  if (!enabled) return undefined;
  checkReplicas(replicas, settled.solo);
  checkSyncAcks(settled.syncAcks, replicas);
  return settled;
}

/** Milliseconds of a duration in seconds, as the datastore's `*_MS` variables take them. */
export function toMilliseconds(seconds: number): number {
  return Math.round(seconds * 1000);
}

function checkBoolean(prop: string, value: boolean): boolean {
  if (typeof value !== 'boolean') throw new InvalidPropError(prop, `${show(value)} is not true or false`, 'write true or false (not quoted)');
  return value;
}

/** Seconds, fractions allowed, in whole milliseconds from 1 ms to an hour. */
function checkSeconds(prop: string, value: number): number {
  const ms = value * 1000;
  if (typeof value !== 'number' || !Number.isFinite(value) || ms < 1 || value > MAX_SECONDS || Math.abs(ms - Math.round(ms)) > 1e-6) {
    throw new InvalidPropError(prop, `${show(value)} is not a duration from 0.001 to ${MAX_SECONDS} seconds in whole milliseconds`,
      'write a number of seconds such as 5 or 0.5');
  }
  return value;
}

/** client-go's rule: lease duration > renew deadline > 1.2 x retry period (compared in milliseconds). */
function checkTimings(f: SettledFailover): void {
  const [lease, renew, retry] = [f.leaseDurationSeconds, f.renewDeadlineSeconds, f.retryPeriodSeconds].map(toMilliseconds);
  if (renew >= lease) {
    throw new InvalidPropError(`${PROP}.renewDeadlineSeconds`,
      `${show(f.renewDeadlineSeconds)} s is not shorter than leaseDurationSeconds (${show(f.leaseDurationSeconds)} s), so a leader that cannot renew could still act after another pod took over`,
      'keep leaseDurationSeconds > renewDeadlineSeconds > 1.2 x retryPeriodSeconds, e.g. 5, 3 and 1 (the defaults): lower renewDeadlineSeconds or raise leaseDurationSeconds');
  }
  if (renew * 10 <= retry * 12) {
    throw new InvalidPropError(`${PROP}.retryPeriodSeconds`,
      `${show(f.retryPeriodSeconds)} s x 1.2 is not shorter than renewDeadlineSeconds (${show(f.renewDeadlineSeconds)} s), so the leader could miss its deadline between two attempts to renew`,
      'keep leaseDurationSeconds > renewDeadlineSeconds > 1.2 x retryPeriodSeconds, e.g. 5, 3 and 1 (the defaults): lower retryPeriodSeconds or raise renewDeadlineSeconds');
  }
}

/** 1 replica cannot fail over; 2 stop taking writes when the follower is lost, unless solo is allowed. */
function checkReplicas(replicas: number, solo: boolean): void {
  if (replicas === 1) {
    throw new InvalidPropError('Mehdb.replicas', '1 replica cannot fail over: there is no follower to acknowledge writes or to take over',
      'set replicas to 3 (or 2 with failover.solo: true), or failover.enabled: false to run one pod without election');
  }
  if (replicas === 2 && !solo) {
    throw new InvalidPropError('Mehdb.replicas', '2 replicas with failover stop taking writes whenever the follower is lost (every write needs its acknowledgement)',
      'set replicas to 3, or failover.solo: true to let the leader write alone when the follower is lost (no failover while it does)');
  }
}

/** Acknowledging followers: at least 1, and at most replicas - 1 (the leader does not count). */
function checkSyncAcks(value: number, replicas: number): void {
  if (!Number.isInteger(value) || value < 1 || value > replicas - 1) {
    throw new InvalidPropError(`${PROP}.syncAcks`, `${show(value)} is not an integer from 1 to ${replicas - 1} (the followers of ${replicas} replicas)`,
      `set an integer from 1 to ${replicas - 1}, or raise replicas`);
  }
}
