import { checkAnnotations, checkExtraEnv, checkExtraLabels } from '../common/metadata';
import { checkProbeTiming } from '../common/probes';
import { InvalidPropError, show } from '../common/prop-error';
import { checkNodeAffinity, checkToleration, checkTopologySpread } from '../common/scheduling';
import { checkDnsSubdomain, checkInteger, checkKnownKeys, checkOneOf } from '../common/validate';
import {
  ClaimRetentionPolicy, DisruptionBudget, MEHDB_DEFAULTS, MehdbProps, MehdbUpdateStrategy, SERVICE_MONITOR_DEFAULTS, SettledMehdbProps,
} from './mehdb-props';

/** Labels the construct sets on the pods and the Service: the selectors and the NetworkPolicy use them. */
export const OWNED_LABELS = ['app', 'app.kubernetes.io/name', 'app.kubernetes.io/component'] as const;
/** The annotations `scrapeAnnotations` writes on the pods. */
export const SCRAPE_ANNOTATIONS = ['prometheus.io/scrape', 'prometheus.io/port', 'prometheus.io/path'] as const;
/** The variables the construct sets, each with the setting that drives it. */
export const OWNED_ENV: Readonly<Record<string, string>> = {
  MEHDB_DATADIR: 'Mehdb.dataPath',
  MEHDB_PORT: 'Mehdb.port',
  MEHDB_NAMESPACE: 'the namespace (it is read from the pod)',
  MEHDB_SERVICE: 'Mehdb.name (the headless Service)',
  MEHDB_LEADER_URL: 'Mehdb.name, Mehdb.port or Mehdb.clusterDomain (it is derived from them: Mehdb.leaderUrl)',
  MEHDB_HOST: 'nothing: it is the pod name (with failover, from the downward API)',
  MEHDB_CLUSTER_DOMAIN: 'Mehdb.clusterDomain',
  MEHDB_REPLICAS: 'Mehdb.replicas',
  MEHDB_FAILOVER: 'Mehdb.failover.enabled',
  MEHDB_SYNC_ACKS: 'Mehdb.failover.syncAcks',
  MEHDB_SYNC_TIMEOUT_MS: 'Mehdb.failover.syncTimeoutSeconds',
  MEHDB_SOLO: 'Mehdb.failover.solo',
  MEHDB_LEASE_NAME: 'Mehdb.failover.leaseName',
  MEHDB_LEASE_DURATION_MS: 'Mehdb.failover.leaseDurationSeconds',
  MEHDB_RENEW_DEADLINE_MS: 'Mehdb.failover.renewDeadlineSeconds',
  MEHDB_RETRY_PERIOD_MS: 'Mehdb.failover.retryPeriodSeconds',
};
const PERCENT = /^\d{1,3}%$/;
/** The datastore's own default of MEHDB_SHUTDOWN_TIMEOUT_MS (datastore/README.md, Configuration). */
const DATASTORE_SHUTDOWN_TIMEOUT_MS = 10000;

type Extras = Pick<SettledMehdbProps, 'startupProbe' | 'persistentVolumeClaimRetentionPolicy' | 'topologySpreadConstraints' | 'updateStrategy'
  | 'podManagementPolicy' | 'priorityClassName' | 'imagePullSecrets' | 'podLabels' | 'podAnnotations' | 'serviceLabels' | 'serviceAnnotations'
  | 'claimLabels' | 'claimAnnotations' | 'nodeSelector' | 'tolerations' | 'nodeAffinity' | 'extraEnv' | 'terminationGracePeriodSeconds'
  | 'scrapeAnnotations' | 'serviceMonitor' | 'podDisruptionBudget'>;

/** The production settings (scheduling, updates, metadata, env, budget, metrics): defaults and checks. */
export function settleMehdbExtras(props: MehdbProps, replicas: number): Extras {
  const d = MEHDB_DEFAULTS;
  const scrapeAnnotations = props.scrapeAnnotations ?? d.scrapeAnnotations;
  const extraEnv = checkExtraEnv('Mehdb.extraEnv', props.extraEnv ?? d.extraEnv, OWNED_ENV);
  return {
    startupProbe: props.startupProbe === undefined ? undefined : checkProbeTiming('Mehdb.startupProbe', props.startupProbe),
    persistentVolumeClaimRetentionPolicy: checkRetention(props.persistentVolumeClaimRetentionPolicy),
    topologySpreadConstraints: (props.topologySpreadConstraints ?? d.topologySpreadConstraints)
      .map((s, i) => checkTopologySpread(`Mehdb.topologySpreadConstraints[${i}]`, s)),
    updateStrategy: checkUpdateStrategy(props.updateStrategy, replicas),
    podManagementPolicy: props.podManagementPolicy === undefined ? undefined
      : checkOneOf<'OrderedReady' | 'Parallel'>('Mehdb.podManagementPolicy', props.podManagementPolicy, ['OrderedReady', 'Parallel']),
    priorityClassName: props.priorityClassName === undefined ? undefined : checkDnsSubdomain('Mehdb.priorityClassName', props.priorityClassName),
    imagePullSecrets: (props.imagePullSecrets ?? [...d.imagePullSecrets]).map((s, i) => checkDnsSubdomain(`Mehdb.imagePullSecrets[${i}]`, s)),
    podLabels: checkExtraLabels('Mehdb.podLabels', props.podLabels ?? d.podLabels, OWNED_LABELS, 'the selectors and the NetworkPolicy use it'),
    podAnnotations: checkAnnotations('Mehdb.podAnnotations', props.podAnnotations ?? d.podAnnotations, scrapeAnnotations ? SCRAPE_ANNOTATIONS : []),
    serviceLabels: checkExtraLabels('Mehdb.serviceLabels', props.serviceLabels ?? d.serviceLabels, OWNED_LABELS, 'a ServiceMonitor selects the Service by it'),
    serviceAnnotations: checkAnnotations('Mehdb.serviceAnnotations', props.serviceAnnotations ?? d.serviceAnnotations),
    claimLabels: checkExtraLabels('Mehdb.claimLabels', props.claimLabels ?? d.claimLabels, ['app.kubernetes.io/part-of'],
      'a prune by that label (kubectl apply --prune -l) would delete the claims, and the data with them'),
    claimAnnotations: checkAnnotations('Mehdb.claimAnnotations', props.claimAnnotations ?? d.claimAnnotations),
    nodeSelector: checkExtraLabels('Mehdb.nodeSelector', props.nodeSelector ?? d.nodeSelector),
    tolerations: (props.tolerations ?? [...d.tolerations]).map((t, i) => checkToleration(`Mehdb.tolerations[${i}]`, t)),
    nodeAffinity: checkNodeAffinity('Mehdb.nodeAffinity', props.nodeAffinity ?? d.nodeAffinity),
    extraEnv,
    terminationGracePeriodSeconds: checkGracePeriod(props.terminationGracePeriodSeconds, extraEnv),
    scrapeAnnotations,
    serviceMonitor: checkServiceMonitor(props.serviceMonitor ?? d.serviceMonitor),
    podDisruptionBudget: checkDisruptionBudget(props.podDisruptionBudget ?? d.podDisruptionBudget, replicas),
  };
}

function checkRetention(policy: ClaimRetentionPolicy | undefined): ClaimRetentionPolicy | undefined {
  if (policy === undefined) return undefined;
  checkKnownKeys('Mehdb.persistentVolumeClaimRetentionPolicy', policy, ['whenDeleted', 'whenScaled']);
  if (policy.whenDeleted !== undefined) checkOneOf('Mehdb.persistentVolumeClaimRetentionPolicy.whenDeleted', policy.whenDeleted, ['Retain', 'Delete']);
  if (policy.whenScaled !== undefined) checkOneOf('Mehdb.persistentVolumeClaimRetentionPolicy.whenScaled', policy.whenScaled, ['Retain', 'Delete']);
  return policy;
}

function checkUpdateStrategy(strategy: MehdbUpdateStrategy | undefined, replicas: number): MehdbUpdateStrategy | undefined {
  if (strategy === undefined) return undefined;
  checkKnownKeys('Mehdb.updateStrategy', strategy, ['type', 'partition']);
  const type = checkOneOf('Mehdb.updateStrategy.type', strategy.type, ['RollingUpdate', 'OnDelete']);
  if (strategy.partition !== undefined) {
    if (type !== 'RollingUpdate') {
      throw new InvalidPropError('Mehdb.updateStrategy.partition', 'only RollingUpdate has a partition', 'remove partition, or set type "RollingUpdate"');
    }
    checkInteger('Mehdb.updateStrategy.partition', strategy.partition, 0, replicas);
  }
  return strategy;
}

function checkGracePeriod(seconds: number | undefined, env: Record<string, string>): number | undefined {
  if (seconds === undefined) return undefined;
  checkInteger('Mehdb.terminationGracePeriodSeconds', seconds, 1, 86400);
  const shutdownMs = Number(env.MEHDB_SHUTDOWN_TIMEOUT_MS ?? DATASTORE_SHUTDOWN_TIMEOUT_MS);
  if (Number.isFinite(shutdownMs) && seconds * 1000 <= shutdownMs) {
    throw new InvalidPropError('Mehdb.terminationGracePeriodSeconds', `${seconds} s does not exceed the datastore's shutdown timeout (MEHDB_SHUTDOWN_TIMEOUT_MS ${shutdownMs} ms), so SIGKILL could cut in-flight writes`,
      `set more than ${Math.ceil(shutdownMs / 1000)} seconds, or lower MEHDB_SHUTDOWN_TIMEOUT_MS in Mehdb.extraEnv`);
  }
  return seconds;
}

function checkServiceMonitor(value: boolean | object): Required<SettledMehdbProps>['serviceMonitor'] | undefined {
  if (value === false) return undefined;
  const given = value === true ? {} : checkKnownKeys('Mehdb.serviceMonitor', value, Object.keys(SERVICE_MONITOR_DEFAULTS));
  const settings = { ...SERVICE_MONITOR_DEFAULTS, ...given };
  checkExtraLabels('Mehdb.serviceMonitor.labels', settings.labels);
  const interval = checkDuration('Mehdb.serviceMonitor.interval', settings.interval);
  const timeout = checkDuration('Mehdb.serviceMonitor.scrapeTimeout', settings.scrapeTimeout);
  if (timeout > interval) {
    throw new InvalidPropError('Mehdb.serviceMonitor.scrapeTimeout', `${show(settings.scrapeTimeout)} is longer than the interval ${show(settings.interval)}`, 'set a timeout no longer than the interval');
  }
  return settings;
}

/** A Prometheus duration such as "30s", "1m" or "500ms"; returns milliseconds. */
function checkDuration(prop: string, value: string): number {
  const m = typeof value === 'string' ? /^(\d+)(ms|s|m|h)$/.exec(value) : null;
  if (!m || Number(m[1]) === 0) throw new InvalidPropError(prop, `${show(value)} is not a positive duration`, 'write a number and a unit: "500ms", "30s", "1m" or "1h"');
  return Number(m[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2] as 'ms']!;
}

function checkDisruptionBudget(value: boolean | DisruptionBudget, replicas: number): DisruptionBudget | undefined {
  if (value === false) return undefined;
  if (value === true) return { maxUnavailable: 1 };
  checkKnownKeys('Mehdb.podDisruptionBudget', value, ['minAvailable', 'maxUnavailable']);
  const set = (['minAvailable', 'maxUnavailable'] as const).filter(k => value[k] !== undefined);
  if (set.length !== 1) {
    throw new InvalidPropError('Mehdb.podDisruptionBudget', `${show(value)} does not give exactly one of minAvailable and maxUnavailable`,
      'give either { "minAvailable": n } or { "maxUnavailable": n } (a count or a percentage such as "50%"), or true for maxUnavailable 1');
  }
  const key = set[0];
  const amount = value[key]!;
  const prop = `Mehdb.podDisruptionBudget.${key}`;
  // Neither may block every drain: minAvailable below all pods (100%), maxUnavailable at least one pod (1%).
  const [low, high] = key === 'minAvailable' ? [1, typeof amount === 'string' ? 99 : replicas - 1] : [1, typeof amount === 'string' ? 100 : replicas];
  const number = typeof amount === 'string' && PERCENT.test(amount) ? Number(amount.slice(0, -1)) : amount;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < low || number > high) {
    const unit = typeof amount === 'string' ? '%' : '';
    throw new InvalidPropError(prop, `${show(amount)} is not ${high < low ? 'possible with one replica' : `from ${low}${unit} to ${high}${unit}`} (a budget that admits no eviction blocks every drain)`,
      high < low ? 'use { "maxUnavailable": 1 } (or true)' : `write an integer from ${low} to ${high}${typeof amount === 'string' ? ' or a percentage such as "50%"' : ''} (${replicas} replicas)`);
  }
  return value;
}
