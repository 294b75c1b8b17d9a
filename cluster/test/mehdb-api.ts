/**
 * The datastore's HTTP API as the cluster tests use it: straight to a pod IP from this host
 * (the host routes the pod network through the cluster's namespace).
 */
import { core, isReady, waitFor } from './harness';

/** The datastore's port (the StatefulSet's containerPort). */
export const PORT = 9876;

export interface Reply { status: number; body: string; location: string | null }

/** One HTTP request to a pod; redirects are returned, not followed. */
export async function call(ip: string, method: string, path: string, body?: string): Promise<Reply> {
  const res = await fetch(`http://${ip}:${PORT}${path}`, {
    method, body, redirect: 'manual', signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text(), location: res.headers.get('location') };
}

export const put = (ip: string, key: string, value: string) => call(ip, 'PUT', `/set/${key}`, value);
export const get = (ip: string, key: string) => call(ip, 'GET', `/get/${key}`);

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

/** Polls until the pod at `ip` holds every key of `want`; returns the seconds it took. */
export async function caughtUp(ip: string, want: string[], timeoutMs: number): Promise<number> {
  const start = Date.now();
  await waitFor(`${ip} to hold ${want.length} keys`, timeoutMs, async () => {
    const have = new Set(await keys(ip));
    return want.every((k) => have.has(k));
  }, 200);
  return (Date.now() - start) / 1000;
}
