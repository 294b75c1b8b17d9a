/**
 * What the cluster tests share: the API clients of the running test cluster, kubectl, bounded
 * waits, the datastore's HTTP API on pod IPs, the nodes' runtimes and the run's figures.
 * The cluster itself is started and stopped by cluster/lib/cluster.sh; these tests only look.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';

const exec = promisify(execFile);

/** Where the running cluster keeps its state (set by cluster/test-cluster.sh). */
export const STATE = required('MEHDB_CLUSTER_STATE');
/** The manifests under test (the committed dist/ by default). */
export const MANIFESTS = required('MEHDB_CLUSTER_MANIFESTS');
/** The repository, for `npm run synth` of other presets. */
export const REPO_DIR = required('MEHDB_REPO_DIR');
/** ctr, to look at the containers on a node as its runtime sees them. */
export const CTR = required('MEHDB_CLUSTER_CTR');
/** The cluster DNS server (CoreDNS), as the kubelets' clusterDNS. */
export const DNS_ADDR = required('MEHDB_CLUSTER_DNS');

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the cluster tests with npm run test:cluster`);
  return value;
}

const kc = new k8s.KubeConfig();
kc.loadFromDefault();
export const core = kc.makeApiClient(k8s.CoreV1Api);
export const apps = kc.makeApiClient(k8s.AppsV1Api);
export const storage = kc.makeApiClient(k8s.StorageV1Api);
/** Leases (coordination.k8s.io/v1): the datastore's leader election. */
export const coordination = kc.makeApiClient(k8s.CoordinationV1Api);

/** Runs kubectl against the test cluster; rejects with its stderr when it fails. */
export async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await exec('kubectl', args, { maxBuffer: 16 << 20, timeout: 180_000 });
  return stdout;
}

/** Polls `check` every `everyMs` until it returns a value other than undefined/false. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>,
  everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when the pod is Running and its Ready condition is True. */
export function isReady(pod: k8s.V1Pod): boolean {
  return pod.status?.phase === 'Running'
    && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Runs a command of this host and returns its stdout. */
export async function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await exec(cmd, args, { maxBuffer: 16 << 20, timeout: timeoutMs });
  return stdout;
}

/** ctr on the node's own containerd, in the CRI namespace. */
export function ctr(node: string, ...args: string[]): Promise<string> {
  return run(CTR, ['--address', `${STATE}/nodes/${node}/containerd.sock`, '--namespace', 'k8s.io', ...args]);
}

/** The host PID of a pod's container, as the node's runtime reports it. */
export async function containerPid(pod: k8s.V1Pod): Promise<number> {
  const id = pod.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '');
  if (!id || !pod.spec?.nodeName) throw new Error(`pod ${pod.metadata?.name} has no running container`);
  const line = (await ctr(pod.spec.nodeName, 'tasks', 'ls')).split('\n').find((l) => l.startsWith(id));
  const pid = Number(line?.trim().split(/\s+/)[1]);
  if (!pid) throw new Error(`node ${pod.spec.nodeName} runs no task ${id}`);
  return pid;
}

/** Reads a file of /proc of a host PID. */
export const procFile = (pid: number, name: string) => readFileSync(`/proc/${pid}/${name}`, 'utf8');

export interface Mount { root: string; point: string; options: string }

/** The mounts of a process, from /proc/<pid>/mountinfo. */
export function mounts(pid: number): Mount[] {
  return procFile(pid, 'mountinfo').split('\n').filter(Boolean).map((line) => {
    const f = line.split(' ');
    return { root: f[3], point: f[4], options: f[5] };
  });
}

/** A figure of the run: printed now, and collected in $STATE/figures.txt for the summary. */
export function figure(name: string, value: string): void {
  const line = `FIGURE ${name}: ${value}`;
  console.log(line);
  appendFileSync(`${STATE}/figures.txt`, line + '\n');
}

/**
 * Runs cluster/fault.sh on the running cluster: `power-cut worker-N`, `power-on worker-N`,
 * `partition <pod IP> [--cut-probes]`, `heal <pod IP>`, `list`. Resolves with its stdout;
 * rejects with its stderr in the message when it fails.
 */
export function fault(...args: string[]): Promise<string> {
  return run('bash', [`${REPO_DIR}/cluster/fault.sh`, ...args], 120_000);
}

/** The status of a node's Ready condition: `True`, `False` or `Unknown` (no status yet). */
export async function nodeReady(name: string): Promise<string> {
  const node = await core.readNode({ name });
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
}

/** Runs `node -e SCRIPT ARGS...` in a pod's (first) container, as `kubectl exec` does. */
export function nodeInPod(namespace: string, pod: string, script: string, ...args: string[]): Promise<string> {
  return kubectl('exec', '-n', namespace, pod, '--', 'node', '-e', script, ...args);
}

/** `kubectl apply` of one object, given as JSON. */
export async function applyObject(object: object): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mehdb-object-'));
  try {
    writeFileSync(join(dir, 'object.json'), JSON.stringify(object));
    await kubectl('apply', '-f', join(dir, 'object.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `kubectl apply -f MANIFESTS`, then waits up to 120 s for `claim` in `namespace` to be Bound. */
export async function applyManifests(namespace: string, claim: string): Promise<void> {
  await kubectl('apply', '-f', MANIFESTS);
  await waitFor(`claim ${namespace}/${claim} Bound`, 120_000, async () =>
    (await core.readNamespacedPersistentVolumeClaim({ namespace, name: claim })).status?.phase === 'Bound');
}

/** Seconds since `start` (a Date.now()), as a figure's text. */
export const secondsSince = (start: number) => `${((Date.now() - start) / 1000).toFixed(1)} s`;
