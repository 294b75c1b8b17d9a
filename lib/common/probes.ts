import { checkInteger, checkKnownKeys } from './validate';

/** When a probe starts, how often it runs and when it fails; a field left out keeps its default. */
export interface ProbeTiming {
  /** Seconds after the container starts before the first probe. @default - the probe's default (Kubernetes: 0) */
  readonly initialDelaySeconds?: number;
  /** Seconds between probes. @default - the probe's default (Kubernetes: 10) */
  readonly periodSeconds?: number;
  /** Seconds before one probe counts as failed. @default - Kubernetes' 1 */
  readonly timeoutSeconds?: number;
  /** Failures in a row before the kubelet acts (restart, or out of the Service). @default - Kubernetes' 3 */
  readonly failureThreshold?: number;
}

const PROBE_TIMING_KEYS = ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold'] as const;

/** Probe timing laid over `defaults`, every value checked. */
export function checkProbeTiming(prop: string, timing: ProbeTiming, defaults: ProbeTiming = {}): ProbeTiming {
  const t = { ...defaults, ...checkKnownKeys(prop, timing, PROBE_TIMING_KEYS) };
  if (t.initialDelaySeconds !== undefined) checkInteger(`${prop}.initialDelaySeconds`, t.initialDelaySeconds, 0, 3600);
  if (t.periodSeconds !== undefined) checkInteger(`${prop}.periodSeconds`, t.periodSeconds, 1, 3600);
  if (t.timeoutSeconds !== undefined) checkInteger(`${prop}.timeoutSeconds`, t.timeoutSeconds, 1, 3600);
  if (t.failureThreshold !== undefined) checkInteger(`${prop}.failureThreshold`, t.failureThreshold, 1, 1000);
  return t;
}

/** The timing fields of a typed probe. */
export function probeTimingFields(t: ProbeTiming): ProbeTiming {
  return { initialDelaySeconds: t.initialDelaySeconds, periodSeconds: t.periodSeconds, timeoutSeconds: t.timeoutSeconds, failureThreshold: t.failureThreshold };
}
