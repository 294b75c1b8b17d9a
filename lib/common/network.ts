import { k8s } from '../../imports';

/** A NetworkPolicy port (TCP unless said otherwise). */
export function policyPort(port: number, protocol: 'TCP' | 'UDP' = 'TCP'): k8s.NetworkPolicyPort {
  return { protocol, port: k8s.IntOrString.fromNumber(port) };
}

/**
 * Egress to DNS on any address: cluster DNS runs as pods with cluster-specific labels, or as a
 * node-local cache on a link-local address, so the port is the one thing all clusters share.
 */
export const DNS_EGRESS: k8s.NetworkPolicyEgressRule = { ports: [policyPort(53, 'UDP'), policyPort(53, 'TCP')] };
