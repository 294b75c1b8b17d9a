/**
 * The datastore's HTTP API as the cluster tests use it: straight to a pod IP from this host
 * (the host routes the pod network through the cluster's namespace). With MEHDB_FAILOVER=lease
 * the leader is whoever holds the Lease; followers answer writes with 307 to its DNS name.
 */
import { Resolver } from 'node:dns/promises';
import * as k8s from '@kubernetes/client-node';
import { DNS_ADDR, core, isReady, waitFor } from './harness';
import { NS, readLease } from './statefulset';

/** The datastore's port (the StatefulSet's containerPort). */
export const PORT = 9876;

export interface Reply { status: number; body: string; location: string | null }

/** One HTTP request to a pod; redirects are returned, not followed. */
export async function call(ip: string, method: string, path: string, body?: string, timeoutMs = 10_000): Promise<Reply> {
  const res = await fetch(`http://${ip}:${PORT}${path}`, {
    method, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: await res.text(), location: res.headers.get('location') };
}

export const put = (ip: string, key: string, value: string) => call(ip, 'PUT', `/set/${key}`, value);
export const get = (ip: string, key: string) => call(ip, 'GET', `/get/${key}`);
/** GET /get/<key>?consistent: answered by the leader only (followers 307 to it). */
export const getConsistent = (ip: string, key: string) => call(ip, 'GET', `/get/${key}?consistent`);

/** GET /status: `leader` or `follower`. */
export async function status(ip: string): Promise<string> {
  return (await call(ip, 'GET', '/status', undefined, 3_000)).body.trim();
}

/** The first sample of a metric on /metrics (`name` or `name{label="x"}`), undefined if absent. */
export async function metric(ip: string, name: string): Promise<number | undefined> {
  const page = (await call(ip, 'GET', '/metrics')).body;
  const line = page.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const clusterDns = new Resolver({ timeout: 2000, tries: 2 });
clusterDns.setServers([DNS_ADDR]);

/** Resolves a cluster name (a pod's `mehdb-N.mehdb.mehdb.svc.cluster.local`) through CoreDNS. */
export async function resolveInCluster(host: string): Promise<string> {
  const [address] = await clusterDns.resolve4(host);
  return address;
}

/** A request that followed 307s: the last reply, and the pod IPs it went through. */
export interface Followed { reply: Reply; via: string[] }

/**
 * Sends a request to `ip` and follows up to `maxRedirects` 307s, resolving each Location's host
 * with `toIp` (CoreDNS by default), as a client in the cluster would.
 */
export async function callFollowing(ip: string, method: string, path: string, body?: string,
  toIp: (host: string) => string | Promise<string> = resolveInCluster, maxRedirects = 2, timeoutMs = 10_000): Promise<Followed> {
  const via = [ip];
  let reply = await call(ip, method, path, body, timeoutMs);
  for (let hop = 0; reply.status === 307 && reply.location && hop < maxRedirects; hop++) {
    const url = new URL(reply.location);
    const next = await toIp(url.hostname);
    via.push(next);
    reply = await call(next, method, url.pathname + url.search, body, timeoutMs);
  }
  return { reply, via };
}

/** The keys a pod holds. */
export async function keys(ip: string): Promise<string[]> {
  const reply = await call(ip, 'GET', '/keys');
  if (reply.status !== 200) throw new Error(`GET /keys on ${ip}: ${reply.status}`);
  return JSON.parse(reply.body) as string[];
}

/** Writes `count` keys `<prefix>-<n>` to the leader, each acknowledged with 200. */
export async function writeKeys(leaderIp: string, prefix: string, count: number): Promise<string[]> {
  const written: string[] = [];
  for (let n = 0; n < count; n += 25) {
    const batch = Array.from({ length: Math.min(25, count - n) }, (_, i) => `${prefix}-${n + i}`);
    const replies = await Promise.all(batch.map((k) => put(leaderIp, k, `value of ${k}`)));
    replies.forEach((r, i) => {
      if (r.status !== 200) throw new Error(`PUT ${batch[i]}: ${r.status} ${r.body}`);
    });
    written.push(...batch);
  }
  return written;
}

/** The pod, once it is Running and Ready (and, if given, not the pod with `notUid`). */
export async function readyPod(namespace: string, name: string, timeoutMs: number, notUid?: string) {
  return waitFor(`pod ${namespace}/${name} Ready`, timeoutMs, async () => {
    const pod = await core.readNamespacedPod({ namespace, name });
    return isReady(pod) && pod.metadata?.uid !== notUid && pod.status?.podIP ? pod : undefined;
  });
}

/**
 * The leader's pod, once the Lease names a holder whose pod is Ready and answers /status
 * `leader` (and, if given, a holder other than `notName`).
 */
export async function leaderPod(timeoutMs: number, notName?: string): Promise<k8s.V1Pod> {
  return waitFor(`a leader${notName ? ` other than ${notName}` : ''} (Lease holder, Ready, /status leader)`, timeoutMs, async () => {
    const holder = (await readLease())?.holder;
    if (!holder || holder === notName) return undefined;
    const pod = await core.readNamespacedPod({ namespace: NS, name: holder });
    return isReady(pod) && pod.status?.podIP && (await status(pod.status.podIP)) === 'leader' ? pod : undefined;
  }, 200);
}

/** Polls until the pod at `ip` holds every key of `want`; returns the seconds it took. */
export async function caughtUp(ip: string, want: string[], timeoutMs: number): Promise<number> {
  const start = Date.now();
  await waitFor(`${ip} to hold ${want.length} keys`, timeoutMs, async () => {
    const have = new Set(await keys(ip));
    return want.every((k) => have.has(k));
  }, 200);
  return (Date.now() - start) / 1000;
}

/** One write of a probe: when it was sent and when (and whether) it was acknowledged. */
export interface ProbeWrite { sentMs: number; doneMs: number; acknowledged: boolean }

/**
 * Starts a PUT every `everyMs` (without waiting for the previous one: a dead pod costs only its
 * own timeout) to one of `targets()` in turn, following 307s with `toIp`, until stopped; each is
 * recorded. Keys `<prefix>-<n>`, so probes never touch a workload's keys.
 */
export function startWriteProbe(targets: () => string[], prefix: string,
  toIp: (host: string) => string | Promise<string> = resolveInCluster, everyMs = 100): { stop(): Promise<ProbeWrite[]> } {
  const writes: ProbeWrite[] = [];
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  const timer = setInterval(() => {
    const ips = targets();
    if (ips.length === 0) return;
    const sentMs = Date.now();
    const key = `${prefix}-${n}`;
    const write = callFollowing(ips[n++ % ips.length], 'PUT', `/set/${key}`, 'probe', toIp, 2, 2_000)
      .then((f) => f.reply.status === 200, () => false)
      .then((acknowledged) => { writes.push({ sentMs, doneMs: Date.now(), acknowledged }); });
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return writes.sort((a, b) => a.sentMs - b.sentMs);
    },
  };
}

/** ms from `fromMs` to the first acknowledgement of a probe write sent at or after it (-1: none). */
export function firstAckAfter(writes: readonly ProbeWrite[], fromMs: number): number {
  const done = writes.filter((w) => w.acknowledged && w.sentMs >= fromMs).map((w) => w.doneMs);
  return done.length ? Math.min(...done) - fromMs : -1;
}

/** The longest time, in ms, between two consecutive acknowledgements of probe writes. */
export function longestAckGap(writes: readonly ProbeWrite[]): number {
  const done = writes.filter((w) => w.acknowledged).map((w) => w.doneMs).sort((a, b) => a - b);
  return done.slice(1).reduce((worst, t, i) => Math.max(worst, t - done[i]), 0);
}
