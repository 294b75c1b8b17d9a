import { k8s } from '../../imports';
import { PolicyExceptions } from '../policy/exceptions';

/** A NetworkPolicy port (TCP unless said otherwise). */
export function policyPort(port: number, protocol: 'TCP' | 'UDP' = 'TCP'): k8s.NetworkPolicyPort {
  return { protocol, port: k8s.IntOrString.fromNumber(port) };
}

/**
 * Egress to DNS on any address: cluster DNS runs as pods with cluster-specific labels, or as a
 * node-local cache on a link-local address, so the port is the one thing all clusters share.
 */
export const DNS_EGRESS: k8s.NetworkPolicyEgressRule = { ports: [policyPort(53, 'UDP'), policyPort(53, 'TCP')] };

/**
 * The API server's ports as pods reach it: 443 (the `kubernetes` Service) and 6443 (the usual
 * endpoint behind it; most network plugins apply policies after the Service's address translation).
 * The default of `storage.apiServerPorts`, which the mehdb pods' egress reuses.
 */
export const API_SERVER_PORTS = [443, 6443] as const;

/**
 * Egress to the API server: any address (it is no pod, and its address is cluster-specific), only
 * its ports. The provisioner (always) and the mehdb pods (with failover) use it with `apiServerPorts`.
 */
export function apiServerEgress(ports: readonly number[]): k8s.NetworkPolicyEgressRule {
  return { ports: ports.map(port => policyPort(port)) };
}

/**
 * The exception a hardened workload declares when its NetworkPolicy is switched off
 * (`<section>.networkPolicy: false`): the policy is then whoever applies the manifests' to bring.
 */
export function ownNetworkPolicyException(setting: string): PolicyExceptions {
  return { 'network-policy': `${setting} is false: whoever applies these manifests brings the NetworkPolicy` };
}
