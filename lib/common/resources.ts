import { k8s } from '../../imports';

/** CPU, memory and ephemeral storage as Kubernetes quantities, e.g. `{ cpu: '100m', memory: '128Mi' }`. */
export interface ResourceAmounts {
  /** CPU, e.g. '250m' or '1'. @default - none */
  readonly cpu?: string;
  /** Memory, e.g. '128Mi'. @default - none */
  readonly memory?: string;
  /** Local disk outside volumes: the writable layer, logs and emptyDirs, e.g. '64Mi'. @default - none */
  readonly ephemeralStorage?: string;
}

/** The Kubernetes resource name of each amount. */
const RESOURCE_NAMES: Record<keyof ResourceAmounts, string> = { cpu: 'cpu', memory: 'memory', ephemeralStorage: 'ephemeral-storage' };

/** Compute resources of a container. */
export interface ContainerResources {
  /** What the scheduler reserves for the container. @default - none */
  readonly requests?: ResourceAmounts;
  /** The most the container may use. @default - none */
  readonly limits?: ResourceAmounts;
}

/** The typed form, with each amount as a k8s Quantity (a plain string would be dropped). */
export function toResourceRequirements(resources: ContainerResources): k8s.ResourceRequirements | undefined {
  const toQuantities = (amounts?: ResourceAmounts) => {
    const entries = Object.entries(amounts ?? {}).filter(([, v]) => v !== undefined);
    return entries.length === 0 ? undefined
      : Object.fromEntries(entries.map(([k, v]) => [RESOURCE_NAMES[k as keyof ResourceAmounts] ?? k, k8s.Quantity.fromString(v as string)]));
  };
  const requests = toQuantities(resources.requests);
  const limits = toQuantities(resources.limits);
  return requests || limits ? { requests, limits } : undefined;
}
