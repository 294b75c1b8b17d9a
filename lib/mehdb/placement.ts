import { k8s } from '../../imports';
import { toNodeAffinity } from '../common/scheduling';
import { AntiAffinityMode, SettledMehdbProps } from './mehdb-props';

/** Where the pods may run: anti-affinity, extra node affinity, spreads, node selector, tolerations. */
export function podPlacement(settled: SettledMehdbProps, selector: Record<string, string>): Partial<k8s.PodSpec> {
  const { antiAffinity, nodeAffinity, topologySpreadConstraints, nodeSelector, tolerations } = settled;
  const anti = podAntiAffinity(antiAffinity, selector);
  const node = toNodeAffinity(nodeAffinity);
  return {
    affinity: anti || node ? { ...anti, nodeAffinity: node } : undefined,
    topologySpreadConstraints: topologySpreadConstraints.length === 0 ? undefined
      : topologySpreadConstraints.map(s => ({
        maxSkew: s.maxSkew, topologyKey: s.topologyKey, whenUnsatisfiable: s.whenUnsatisfiable, labelSelector: { matchLabels: selector },
      })),
    nodeSelector: Object.keys(nodeSelector).length === 0 ? undefined : nodeSelector,
    tolerations: tolerations.length === 0 ? undefined : tolerations.map(t => ({ ...t })),
  };
}

function podAntiAffinity(mode: AntiAffinityMode, selector: Record<string, string>): k8s.Affinity | undefined {
  const term: k8s.PodAffinityTerm = { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' };
  switch (mode) {
    case 'required':
      return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
    case 'preferred':
      return { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
    case 'none':
      return undefined;
  }
}
