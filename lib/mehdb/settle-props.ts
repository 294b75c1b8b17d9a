import { settle } from '../common/schema';
import { recordedDatastoreImage } from './datastore-image';
import { DisruptionBudget, MehdbProps } from './mehdb-props';
import { MEHDB_PROPS, MEHDB_SERVICE_MONITOR, SettledFailover, SettledMehdb, SettledServiceMonitor } from './mehdb-schema';

/** Mehdb's props after the schema: every default filled in, every value checked, the choices resolved. */
export interface SettledMehdbProps extends Omit<SettledMehdb, 'image' | 'podDisruptionBudget' | 'serviceMonitor' | 'failover'> {
  readonly image: string;
  /** The budget, or undefined for none. */
  readonly podDisruptionBudget?: DisruptionBudget;
  /** The ServiceMonitor's settings, or undefined for none. */
  readonly serviceMonitor?: SettledServiceMonitor;
  /** The failover settings with the Lease's name, or undefined when failover is off. */
  readonly failover?: SettledFailover & { readonly leaseName: string };
}

/** Checks every prop at once (a PropsError lists every problem) and resolves the computed defaults. */
export function settleMehdbProps(props: MehdbProps): SettledMehdbProps {
  const s = settle(MEHDB_PROPS, props, 'mehdb');
  const { podDisruptionBudget: budget, serviceMonitor: monitor, failover } = s;
  return {
    ...s,
    image: s.image ?? recordedDatastoreImage(),
    podDisruptionBudget: budget === true ? { maxUnavailable: 1 } : budget === false ? undefined : budget,
    serviceMonitor: monitor === true ? MEHDB_SERVICE_MONITOR.parse({}) : monitor === false ? undefined : monitor,
    failover: failover.enabled ? { ...failover, leaseName: failover.leaseName ?? `${s.name}-leader` } : undefined,
  };
}
