// The one schema of Mehdb's props: which values are valid and each default, typed against the
// interfaces of mehdb-props.ts (a disagreement fails to compile). Cross-field rules: mehdb-checks.ts.
import { z } from 'zod';
import { ImagePullPolicy } from '../common/image-pull-policy';
import { checkAnnotations, checkExtraEnv, checkExtraLabels } from '../common/metadata';
import { API_SERVER_PORTS } from '../common/network';
import { InvalidPropError, show } from '../common/prop-error';
import { checked, problem, structOf } from '../common/schema';
import { CONTAINER_RESOURCES, integer, NODE_AFFINITY, POD_TOLERATION, probeTiming, PROBE_TIMING, TOPOLOGY_SPREAD } from '../common/struct-schemas';
import { checkAbsolutePath, checkDnsLabel, checkDnsSubdomain, checkLabels, checkPinnedImage, checkPort, checkQuantity } from '../common/validate';
import { OWNED_ENV, OWNED_LABELS } from './mehdb-env';
import { checkMehdb, checkTimings } from './mehdb-checks';
import {
  AccessMode, AntiAffinityMode, ClaimRetention, ClaimRetentionPolicy, DisruptionBudget, MehdbFailover, MehdbProps,
  MehdbServiceMonitor, MehdbSettings, MehdbUpdateStrategy, PodManagementPolicy, ReadinessPath, UpdateStrategyType,
} from './mehdb-props';

const dnsLabel = checked(z.string(), checkDnsLabel);
const dnsSubdomain = checked(z.string(), checkDnsSubdomain);
const labels = checked(z.record(z.string(), z.string()), (p, v) => checkExtraLabels(p, v));
const annotations = checked(z.record(z.string(), z.string()), (p, v) => checkAnnotations(p, v));
const port = checked(z.number(), checkPort);

/** Seconds, fractions allowed, in whole milliseconds from 1 ms to an hour. */
const seconds = checked(z.number(), (p, value) => {
  const ms = value * 1000;
  if (!Number.isFinite(value) || ms < 1 || value > 3600 || Math.abs(ms - Math.round(ms)) > 1e-6) {
    throw new InvalidPropError(p, `${show(value)} is not a duration from 0.001 to 3600 seconds in whole milliseconds`, 'write a number of seconds such as 5 or 0.5');
  }
});

export const MEHDB_FAILOVER = structOf<MehdbFailover>('MehdbFailover')({
  enabled: z.boolean().default(true),
  leaseDurationSeconds: seconds.default(5),
  renewDeadlineSeconds: seconds.default(3),
  retryPeriodSeconds: seconds.default(1),
  syncAcks: z.number().default(1),
  syncTimeoutSeconds: seconds.default(2),
  solo: z.boolean().default(false),
  leaseName: dnsSubdomain.optional(),
}).superRefine(checkTimings, { when: () => true });

/** A Prometheus duration such as "30s", "1m" or "500ms", in milliseconds; undefined when it is none. */
export function durationMs(value: unknown): number | undefined {
  const m = typeof value === 'string' ? /^(\d+)(ms|s|m|h)$/.exec(value) : null;
  return m && Number(m[1]) > 0 ? Number(m[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2] as 'ms'] : undefined;
}
const duration = checked(z.string(), (p, v) => {
  if (durationMs(v) === undefined) throw new InvalidPropError(p, `${show(v)} is not a positive duration`, 'write a number and a unit: "500ms", "30s", "1m" or "1h"');
});

export const MEHDB_SERVICE_MONITOR = structOf<MehdbServiceMonitor>('MehdbServiceMonitor')({
  labels: labels.default({}),
  interval: duration.default('30s'),
  scrapeTimeout: duration.default('10s'),
}).superRefine((m, ctx) => {
  const [interval, timeout] = [durationMs(m.interval), durationMs(m.scrapeTimeout)];
  if (interval !== undefined && timeout !== undefined && timeout > interval) {
    problem(ctx, ['scrapeTimeout'], `${show(m.scrapeTimeout)} is longer than the interval ${show(m.interval)}`, 'set a timeout no longer than the interval');
  }
});

const DISRUPTION_BUDGET = structOf<DisruptionBudget>('DisruptionBudget')({
  minAvailable: z.union([z.number(), z.string()]).optional(),
  maxUnavailable: z.union([z.number(), z.string()]).optional(),
}).superRefine((b, ctx) => {
  if ((b.minAvailable === undefined) === (b.maxUnavailable === undefined)) {
    problem(ctx, [], `${show(b)} does not give exactly one of minAvailable and maxUnavailable`,
      'give either { "minAvailable": n } or { "maxUnavailable": n } (a count or a percentage such as "50%"), or true for maxUnavailable 1');
  }
});

const UPDATE_STRATEGY = structOf<MehdbUpdateStrategy>('MehdbUpdateStrategy')({
  type: z.enum(UpdateStrategyType),
  partition: z.number().optional(),
}).superRefine((s, ctx) => {
  if (s.partition !== undefined && s.type !== UpdateStrategyType.ROLLING_UPDATE) {
    problem(ctx, ['partition'], 'only RollingUpdate has a partition', 'remove partition, or set type "RollingUpdate"');
  }
});

const CLAIM_RETENTION = structOf<ClaimRetentionPolicy>('ClaimRetentionPolicy')({
  whenDeleted: z.enum(ClaimRetention).optional(),
  whenScaled: z.enum(ClaimRetention).optional(),
});

/** The settings' fields, shared by the settings (a config file's `mehdb`) and the construct's props. */
const SETTINGS_SHAPE = {
  name: dnsLabel.default('mehdb'),
  replicas: integer(1, 1000).default(3),
  image: checked(z.string(), checkPinnedImage).optional(),
  containerName: dnsLabel.default('mehdb'),
  port: port.default(9876),
  storageSize: checked(z.string(), checkQuantity).default('1Gi'),
  storageClassName: dnsSubdomain.optional(),
  accessMode: z.enum(AccessMode).default(AccessMode.READ_WRITE_MANY),
  dataPath: checked(z.string(), checkAbsolutePath).default('/mehdbdata'),
  antiAffinity: z.enum(AntiAffinityMode).default(AntiAffinityMode.REQUIRED),
  hardened: z.boolean().default(true),
  runAsUser: integer(1, 2147483647).default(65532),
  podDisruptionBudget: z.union([z.boolean(), DISRUPTION_BUDGET]).default(true),
  resources: CONTAINER_RESOURCES.default({
    requests: { cpu: '100m', memory: '64Mi', ephemeralStorage: '64Mi' },
    limits: { cpu: '1', memory: '256Mi', ephemeralStorage: '128Mi' },
  }),
  imagePullPolicy: z.enum(ImagePullPolicy).default(ImagePullPolicy.ALWAYS),
  networkPolicy: z.boolean().default(true),
  clientSelector: checked(z.record(z.string(), z.string()), checkLabels).default({ 'mehdb-client': 'true' }),
  livenessProbe: probeTiming({ initialDelaySeconds: 5, periodSeconds: 10 }),
  readinessProbe: probeTiming({ initialDelaySeconds: 2, periodSeconds: 5 }),
  readinessPath: z.enum(ReadinessPath).default(ReadinessPath.STATUS),
  clusterDomain: dnsSubdomain.default('cluster.local'),
  startupProbe: PROBE_TIMING.optional(),
  persistentVolumeClaimRetentionPolicy: CLAIM_RETENTION.optional(),
  topologySpreadConstraints: z.array(TOPOLOGY_SPREAD).default([]),
  updateStrategy: UPDATE_STRATEGY.optional(),
  podManagementPolicy: z.enum(PodManagementPolicy).optional(),
  priorityClassName: dnsSubdomain.optional(),
  imagePullSecrets: z.array(dnsSubdomain).default([]),
  podLabels: checked(z.record(z.string(), z.string()), (p, v) => checkExtraLabels(p, v, OWNED_LABELS, 'the selectors and the NetworkPolicy use it')).default({}),
  podAnnotations: annotations.default({}),
  serviceLabels: checked(z.record(z.string(), z.string()), (p, v) => checkExtraLabels(p, v, OWNED_LABELS, 'a ServiceMonitor selects the Service by it')).default({}),
  serviceAnnotations: annotations.default({}),
  claimLabels: checked(z.record(z.string(), z.string()), (p, v) => checkExtraLabels(p, v, ['app.kubernetes.io/part-of'],
    'a prune by that label (kubectl apply --prune -l) would delete the claims, and the data with them')).default({}),
  claimAnnotations: annotations.default({}),
  nodeSelector: labels.default({}),
  tolerations: z.array(POD_TOLERATION).default([]),
  nodeAffinity: NODE_AFFINITY.default({}),
  extraEnv: checked(z.record(z.string(), z.string()), (p, v) => checkExtraEnv(p, v, OWNED_ENV)).default({}),
  terminationGracePeriodSeconds: integer(1, 86400).optional(),
  scrapeAnnotations: z.boolean().default(false),
  serviceMonitor: z.union([z.boolean(), MEHDB_SERVICE_MONITOR]).default(false),
  failover: MEHDB_FAILOVER.prefault({}),
};

/** What a config file's `mehdb` may hold. */
export const MEHDB_SETTINGS = structOf<MehdbSettings>('MehdbSettings')(SETTINGS_SHAPE).superRefine(checkMehdb, { when: () => true });

/** The props of the Mehdb construct. */
export const MEHDB_PROPS = structOf<MehdbProps>('MehdbProps')({
  ...SETTINGS_SHAPE,
  namespace: dnsLabel,
  apiServerPorts: checked(z.array(port), (p, v) => {
    if (v.length === 0) throw new InvalidPropError(p, '[] is not a non-empty list', 'give at least one port');
  }).default([...API_SERVER_PORTS]),
}).superRefine(checkMehdb, { when: () => true });

/** Mehdb's props with every default filled in and every value checked. */
export type SettledMehdb = z.output<typeof MEHDB_PROPS>;
/** The failover settings with their defaults. */
export type SettledFailover = z.output<typeof MEHDB_FAILOVER>;
/** The ServiceMonitor's settings with their defaults. */
export type SettledServiceMonitor = z.output<typeof MEHDB_SERVICE_MONITOR>;
