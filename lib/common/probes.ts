/** When a probe starts, how often it runs and when it fails; a field left out keeps its default. */
export interface ProbeTiming {
  /** Seconds after the container starts before the first probe, 0 to 3600. @default - the probe's default (Kubernetes: 0) */
  readonly initialDelaySeconds?: number;
  /** Seconds between probes, 1 to 3600. @default - the probe's default (Kubernetes: 10) */
  readonly periodSeconds?: number;
  /** Seconds before one probe counts as failed, 1 to 3600. @default - Kubernetes' 1 */
  readonly timeoutSeconds?: number;
  /** Failures in a row before the kubelet acts (restart, or out of the Service), 1 to 1000. @default - Kubernetes' 3 */
  readonly failureThreshold?: number;
}

/** The timing fields of a typed probe. */
export function probeTimingFields(t: ProbeTiming): ProbeTiming {
  return { initialDelaySeconds: t.initialDelaySeconds, periodSeconds: t.periodSeconds, timeoutSeconds: t.timeoutSeconds, failureThreshold: t.failureThreshold };
}
