/**
 * Linearizability toolkit for mehdb (issue 14): record a history of concurrent clients against
 * real nodes (runWorkload), then check it with porcupine, a register per key (checkHistory,
 * which builds the Go checker once with ensureChecker). Node built-ins only: the cluster tests
 * bundle this with esbuild. History format and checker: test/linearizability/checker/README.md.
 */
export { checkHistory, ensureChecker } from '../linearizability/checker';
export type { CheckOptions, CheckResult, Verdict } from '../linearizability/checker';
export { lostAcknowledgedWrites, nowNs } from '../linearizability/history';
export type { FinalValue, HistoryOp, LostWrite, LostWritesReport } from '../linearizability/history';
export { readConsistent, runWorkload } from '../linearizability/workload';
export type { AcknowledgedPut, ReadOptions, WorkloadOptions, WorkloadResult } from '../linearizability/workload';
export { faultTrial, medianAndWorst } from '../linearizability/trial';
export type { ActiveFault, TrialOptions, TrialResult } from '../linearizability/trial';
