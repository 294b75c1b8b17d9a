import { MehdbProcess, request, startNode, tmpDir, waitFor, freePort } from './cluster';
import { FakeLeaseServer } from './fake-lease-server';
import { ApiServer, Lease, grantLeaseAccess } from './kube-apiserver';

/** Where the replicas' Lease lives: the real API server, or the quick suite's stand-in. */
export interface LeaseBackend {
  /** The env that lets replicas of `namespace` use `leaseName` (after granting access). */
  access(namespace: string, leaseName: string): Promise<Record<string, string>>;
  readLease(name: string, namespace: string): Promise<Lease | undefined>;
}

/** The real API server: a ServiceAccount with exactly the constructs' Lease rules. */
export function apiServerBackend(api: ApiServer): LeaseBackend {
  return {
    access: async (namespace, leaseName) => (await grantLeaseAccess(api, { namespace, serviceAccount: 'mehdb', leaseName })).env,
    readLease: (name, namespace) => api.readLease(name, namespace),
  };
}

/** The compare-and-swap stand-in of the quick suite. */
export function fakeBackend(fake: FakeLeaseServer): LeaseBackend {
  return {
    access: async (namespace, leaseName) => ({ ...fake.env, MEHDB_NAMESPACE: namespace, MEHDB_LEASE_NAME: leaseName }),
    readLease: async (name) => fake.lease(name) as Lease | undefined,
  };
}

/** Lease timings of the tests: short, in client-go's proportions (duration > deadline > 1.2 x retry). */
export const FAST_LEASE = { MEHDB_LEASE_DURATION_MS: '1500', MEHDB_RENEW_DEADLINE_MS: '1000', MEHDB_RETRY_PERIOD_MS: '300', MEHDB_SYNC_TIMEOUT_MS: '1000' };

let groups = 0;

/** Replicas of one StatefulSet-like group on 127.0.0.1, electing through a real API server. */
export class FailoverGroup {
  private constructor(
    readonly backend: LeaseBackend,
    readonly namespace: string,
    readonly leaseName: string,
    readonly nodes: MehdbProcess[],
  ) {}

  /** Grants the ServiceAccount its Lease access (as the constructs do) and starts `n` replicas. */
  static async start(backend: LeaseBackend, n: number, env: Record<string, string> = {}): Promise<FailoverGroup> {
    const namespace = `failover-${++groups}`;
    const leaseName = `mehdb-leader-${groups}`;
    const access = await backend.access(namespace, leaseName);
    const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
    const peers = ports.map((p, i) => `mehdb-${i}=http://127.0.0.1:${p}`).join(',');
    const common = { ...access, ...FAST_LEASE, MEHDB_FAILOVER: 'lease', MEHDB_REPLICAS: String(n), MEHDB_PEERS: peers, ...env };
    const nodes = await Promise.all(ports.map((port, i) => startNode({ host: `mehdb-${i}`, dataDir: tmpDir('mehdb-failover-'), port, env: common })));
    return new FailoverGroup(backend, namespace, leaseName, nodes);
  }

  /** The replica that answers `leader` to /status, once exactly one does and the Lease names it. */
  async leader(timeoutMs = 15_000): Promise<MehdbProcess> {
    return waitFor('one leader', async () => {
      const roles = await Promise.all(this.nodes.map((n) => this.role(n)));
      const leaders = this.nodes.filter((_, i) => roles[i] === 'leader');
      if (leaders.length !== 1) return undefined;
      const lease = await this.lease();
      return lease?.spec.holderIdentity === leaders[0].opts.host ? leaders[0] : undefined;
    }, timeoutMs, 100);
  }

  /** `leader`, `follower`, or undefined when the replica does not answer (stopped, killed). */
  async role(n: MehdbProcess): Promise<string | undefined> {
    if (n.proc.exitCode !== null || n.proc.signalCode !== null) return undefined;
    try {
      return (await request('GET', `${n.url}/status`, undefined, 500)).text;
    } catch {
      return undefined;
    }
  }

  /** The replicas other than `n`. */
  others(n: MehdbProcess): MehdbProcess[] {
    return this.nodes.filter((x) => x !== n);
  }

  lease(): Promise<Lease | undefined> {
    return this.backend.readLease(this.leaseName, this.namespace);
  }

  /** The Lease's epoch annotation. */
  async epoch(): Promise<number> {
    return Number((await this.lease())?.metadata.annotations?.['mehdb.io/epoch'] ?? 0);
  }

  /** A metric's value on one replica (first sample). */
  async metric(n: MehdbProcess, name: string): Promise<number> {
    const text = (await request('GET', `${n.url}/metrics`)).text;
    const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
    return line ? Number(line.split(' ').pop()) : NaN;
  }

  /** Stops every replica (SIGCONT first, for those a test stopped). */
  async stop(): Promise<void> {
    for (const n of this.nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGCONT');
    await Promise.all(this.nodes.map((n) => n.stop().catch(() => undefined)));
  }
}
