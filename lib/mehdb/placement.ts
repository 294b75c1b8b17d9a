import { k8s } from '../../imports';
import { TOPOLOGY_KEYS, toNodeAffinity } from '../common/scheduling';
import { AntiAffinityMode } from './mehdb-props';
import { SettledMehdbProps } from './settle-props';

/** Where the pods may run: anti-affinity, extra node affinity, spreads, node selector, tolerations. */
export function podPlacement(settled: SettledMehdbProps, selector: Record<string, string>): Partial<k8s.PodSpec> {
  const { antiAffinity, nodeAffinity, topologySpreadConstraints, nodeSelector, tolerations } = settled;
  const anti = podAntiAffinity(antiAffinity, selector);
  const node = toNodeAffinity(nodeAffinity);
  return {
    affinity: anti || node ? { ...anti, nodeAffinity: node } : undefined,
    topologySpreadConstraints: topologySpreadConstraints.length === 0 ? undefined
      : topologySpreadConstraints.map(s => ({
        maxSkew: s.maxSkew, topologyKey: s.topologyKey ?? TOPOLOGY_KEYS[s.over], whenUnsatisfiable: s.whenUnsatisfiable, labelSelector: { matchLabels: selector },
      })),
    nodeSelector: Object.keys(nodeSelector).length === 0 ? undefined : nodeSelector,
    tolerations: tolerations.length === 0 ? undefined : tolerations.map(t => ({ ...t })),
  };
}

function podAntiAffinity(mode: AntiAffinityMode, selector: Record<string, string>): k8s.Affinity | undefined {
  const term: k8s.PodAffinityTerm = { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' };
  switch (mode) {
    case AntiAffinityMode.REQUIRED:
      return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
    case AntiAffinityMode.PREFERRED:
      return { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
    case AntiAffinityMode.NONE:
      return undefined;
  }
}
