import { NfsPortSet } from './nfs-provisioner-props';

/** A port the NFS server in the provisioner's image listens on. */
export interface NfsPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

const tcp = (name: string, port: number): NfsPort => ({ name, port, protocol: 'TCP' });
const udp = (name: string, port: number): NfsPort => ({ name: `${name}-udp`, port, protocol: 'UDP' });

const V2_PORTS: readonly NfsPort[] = [
  tcp('nfs', 2049),
  tcp('mountd', 20048),
  tcp('rpcbind', 111),
  udp('rpcbind', 111),
];

const V4_SERVICES: ReadonlyArray<[string, number]> = [
  ['nfs', 2049], ['nlockmgr', 32803], ['mountd', 20048], ['rquotad', 875], ['rpcbind', 111], ['statd', 662],
];
const V4_PORTS: readonly NfsPort[] = V4_SERVICES.flatMap(([name, port]) => [tcp(name, port), udp(name, port)]);

/** The ports of a port set, in the order the Service and the container list them. */
export function nfsPorts(portSet: NfsPortSet): readonly NfsPort[] {
  return portSet === NfsPortSet.V2 ? V2_PORTS : V4_PORTS;
}
