import * as fs from 'node:fs';
import * as https from 'node:https';
import { FailoverConfig } from '../config';

/** What mehdb keeps in its Lease. */
export interface LeaseRecord {
  /** Pod name of the holder; '' when released. */
  readonly holder: string;
  /** The holder's epoch (annotation `mehdb.io/epoch`). */
  readonly epoch: number;
  /** The holder acknowledges writes alone (annotation `mehdb.io/solo`): nobody may take over. */
  readonly solo: boolean;
  readonly transitions: number;
  /** Set by the API server; every update must carry the one it last read. */
  readonly resourceVersion: string;
}

/** A Lease write lost a race (409) or the Lease already exists. */
export const CONFLICT = 'conflict' as const;

const EPOCH = 'mehdb.io/epoch';
const SOLO = 'mehdb.io/solo';
/** Bound ServiceAccount tokens are rotated by kubelet: read the file again this often. */
const TOKEN_TTL_MS = 30_000;

/**
 * A compare-and-swap client for one coordination.k8s.io/v1 Lease, over HTTPS with the
 * ServiceAccount's token and the cluster CA (node:https, no dependencies). Every update carries
 * the resourceVersion it read, so a concurrent writer makes it fail with 409.
 */
export class LeaseClient {
  private readonly agent: https.Agent;
  private readonly path: string;
  private token = '';
  private tokenRead = -Infinity;

  constructor(
    private readonly cfg: FailoverConfig,
    namespace: string,
  ) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 2, ca: fs.readFileSync(cfg.kubeApi.caFile) });
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
  }

  /** The Lease, or undefined when there is none. */
  async get(timeoutMs: number): Promise<LeaseRecord | undefined> {
    const r = await this.request('GET', `${this.path}/${this.cfg.leaseName}`, undefined, timeoutMs);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`lease get answered ${r.status}`);
    return toRecord(r.body);
  }

  /** Creates the Lease; CONFLICT when it exists. */
  async create(next: Omit<LeaseRecord, 'resourceVersion'>, timeoutMs: number): Promise<LeaseRecord | typeof CONFLICT> {
    const r = await this.request('POST', this.path, this.toObject(next, undefined), timeoutMs);
    if (r.status === 409) return CONFLICT;
    if (r.status !== 201 && r.status !== 200) throw new Error(`lease create answered ${r.status}`);
    return toRecord(r.body);
  }

  /** Replaces the Lease if it is still at `prev.resourceVersion`; CONFLICT otherwise. */
  async update(prev: LeaseRecord, next: Omit<LeaseRecord, 'resourceVersion'>, timeoutMs: number): Promise<LeaseRecord | typeof CONFLICT> {
    const r = await this.request('PUT', `${this.path}/${this.cfg.leaseName}`, this.toObject(next, prev.resourceVersion), timeoutMs);
    if (r.status === 409 || r.status === 404) return CONFLICT;
    if (r.status !== 200) throw new Error(`lease update answered ${r.status}`);
    return toRecord(r.body);
  }

  /** Closes idle connections. */
  close(): void {
    this.agent.destroy();
  }

  private toObject(next: Omit<LeaseRecord, 'resourceVersion'>, resourceVersion: string | undefined): object {
    const now = microTime(new Date());
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.cfg.leaseName,
        ...(resourceVersion ? { resourceVersion } : {}),
        annotations: { [EPOCH]: String(next.epoch), ...(next.solo ? { [SOLO]: 'true' } : {}) },
      },
      spec: {
        holderIdentity: next.holder,
        leaseDurationSeconds: Math.max(1, Math.ceil(this.cfg.leaseDurationMs / 1000)),
        acquireTime: now,
        renewTime: now,
        leaseTransitions: next.transitions,
      },
    };
  }

  private bearer(): string {
    const now = performance.now();
    if (now - this.tokenRead > TOKEN_TTL_MS) {
      this.token = fs.readFileSync(this.cfg.kubeApi.tokenFile, 'utf8').trim();
      this.tokenRead = now;
    }
    return this.token;
  }

  private request(method: string, path: string, body: object | undefined, timeoutMs: number): Promise<{ status: number; body: unknown }> {
    const data = body ? Buffer.from(JSON.stringify(body)) : undefined;
    const url = new URL(path, this.cfg.kubeApi.url);
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method,
        agent: this.agent,
        timeout: timeoutMs,
        headers: {
          Authorization: `Bearer ${this.bearer()}`,
          Accept: 'application/json',
          ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('API server request timed out')));
      req.on('error', reject);
      req.end(data);
    });
  }
}

interface LeaseObject {
  metadata?: { resourceVersion?: string; annotations?: Record<string, string> };
  spec?: { holderIdentity?: string; leaseTransitions?: number };
}

function toRecord(body: unknown): LeaseRecord {
  const o = body as LeaseObject;
  const rv = o?.metadata?.resourceVersion;
  if (!rv) throw new Error('lease without resourceVersion');
  const epoch = Number(o.metadata?.annotations?.[EPOCH] ?? 0);
  return {
    holder: o.spec?.holderIdentity ?? '',
    epoch: Number.isSafeInteger(epoch) && epoch >= 0 ? epoch : 0,
    solo: o.metadata?.annotations?.[SOLO] === 'true',
    transitions: o.spec?.leaseTransitions ?? 0,
    resourceVersion: rv,
  };
}

/** RFC 3339 with microseconds, as the API's MicroTime wants it. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
