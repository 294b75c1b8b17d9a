import { ChildProcess, spawn } from 'node:child_process';
import { freePort, request, waitFor } from '../test/support/cluster';
import { cpuTicks, usPerRequest } from './cpu';

/** The bench's shared parts: autocannon loads, server processes, interleaved rounds with CPU. */

// autocannon ships no types; the few fields used are declared here.
export interface AcResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
interface AcRequest {
  method?: string;
  path?: string;
  body?: Buffer | string;
  setupRequest?: (req: AcRequest) => AcRequest;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon: (opts: Record<string, unknown>) => Promise<AcResult> = require('autocannon');

export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
export const DURATION = Number(process.env.BENCH_SECONDS ?? 4);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const VALUE = Buffer.alloc(100, 'v');

export type Kind = 'get' | 'put';

/** `connections` clients for `seconds`: GETs of k0..k<keys-1>, or PUTs of 100-byte values to them. */
export async function load(url: string, kind: Kind, seconds = DURATION, connections = CONNECTIONS, keys = 1000, overallRate?: number): Promise<AcResult> {
  let i = 0;
  const requests: AcRequest[] =
    kind === 'get'
      ? [{ method: 'GET', setupRequest: (r) => ({ ...r, path: `/get/k${i++ % keys}` }) }]
      : [{ method: 'PUT', body: VALUE, setupRequest: (r) => ({ ...r, path: `/set/k${i++ % keys}` }) }];
  return autocannon({ url, connections, duration: seconds, requests, ...(overallRate ? { overallRate } : {}) });
}

/** Writes `<prefix>0` .. `<prefix><n-1>`. */
export async function fill(url: string, n: number, prefix = 'k'): Promise<void> {
  let i = 0;
  await autocannon({
    url,
    connections: CONNECTIONS,
    amount: n,
    requests: [{ method: 'PUT', body: VALUE, setupRequest: (r: AcRequest) => ({ ...r, path: `/set/${prefix}${i++}` }) }],
  });
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/** Runs `node <args>` with `env` plus `portVar`=<free port>; resolves once it answers HTTP. */
export async function startServer(label: string, args: string[], env: Record<string, string>, portVar = 'PORT'): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env, [portVar]: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(proc);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(label, async () => (await request('GET', `${url}/get/x`, undefined, 1000)).status > 0, 15_000);
  return { url, proc };
}

/** A server under test: its URL, the pids whose CPU it costs (the first is the one answering), what is measured. */
export interface Target {
  name: string;
  url: string;
  pids: number[];
  kinds: Kind[];
}

/** One autocannon run and the CPU (clock ticks) each of the target's pids used during it. */
export interface Sample {
  result: AcResult;
  ticks: number[];
}

/**
 * `rounds` rounds; in each, every kind in turn, and for it every target that measures it. The
 * order of the targets flips every round, so neither a burst of load from elsewhere on the
 * machine nor a position in the sequence lands on one server only. `rates` caps a kind's load at
 * that many requests per second in all (unset: as fast as the connections go).
 */
export async function interleave(targets: Target[], kinds: Kind[], rounds: number, rates: Partial<Record<Kind, number>> = {}): Promise<Map<string, Record<Kind, Sample[]>>> {
  const out = new Map(targets.map((t) => [t.name, { get: [], put: [] } as Record<Kind, Sample[]>]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const kind of kinds) {
      for (const t of order.filter((x) => x.kinds.includes(kind))) {
        const before = t.pids.map(cpuTicks);
        const result = await load(t.url, kind, DURATION, CONNECTIONS, 1000, rates[kind]);
        const ticks = t.pids.map((pid, i) => cpuTicks(pid) - before[i]);
        out.get(t.name)![kind].push({ result, ticks });
      }
    }
  }
  return out;
}

/** Medians over the rounds of one target and kind. */
export interface Figures {
  /** req/s of the median run, and that run's p99 (ms). */
  rps: number;
  p99: number;
  runs: number[];
  /** Median over the rounds of the answering process's CPU per request (µs), and every round's. */
  cpuUs: number;
  cpuRuns: number[];
  /** Median CPU per request of all the target's processes together (µs). */
  cpuAllUs: number;
  /** Non-2xx answers and errors over all rounds. */
  problems: number;
}

/** The median (the upper one of an even count). */
export const middle = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Per-round ratios of `metric` between two targets' samples of the same rounds. Two targets next
 * to each other in the interleaving share each round's machine, so these move less with the
 * load from elsewhere than a ratio of two medians does.
 */
export function paired(a: Sample[], b: Sample[], metric: (s: Sample) => number): number[] {
  return a.map((s, i) => metric(s) / metric(b[i]));
}

/** Throughput of a sample (req/s) and its answering process's CPU per request (ticks). */
export const rpsOf = (s: Sample): number => s.result.requests.average;
export const cpuOf = (s: Sample): number => s.ticks[0] / s.result.requests.total;

export function summarize(samples: Sample[]): Figures {
  const byRps = [...samples].sort((a, b) => a.result.requests.average - b.result.requests.average);
  const mid = byRps[Math.floor(byRps.length / 2)].result;
  const cpu = samples.map((s) => usPerRequest(s.ticks[0], s.result.requests.total));
  const all = samples.map((s) => usPerRequest(s.ticks.reduce((a, b) => a + b, 0), s.result.requests.total));
  return {
    rps: mid.requests.average,
    p99: mid.latency.p99,
    runs: samples.map((s) => Math.round(s.result.requests.average)),
    cpuUs: middle(cpu),
    cpuRuns: cpu.map((x) => Math.round(x)),
    cpuAllUs: middle(all),
    problems: samples.reduce((n, s) => n + s.result.non2xx + s.result.errors, 0),
  };
}

/** `GET  24950 req/s p99  3 ms [rounds] | CPU  41 µs/req [rounds]` */
export function figureLine(kind: Kind, f: Figures): string {
  const rps = `${f.rps.toFixed(0).padStart(6)} req/s p99 ${String(f.p99).padStart(3)} ms [${f.runs.join(', ')}]`;
  return `${kind.toUpperCase().padEnd(3)} ${rps} | CPU ${f.cpuUs.toFixed(0).padStart(3)} µs/req [${f.cpuRuns.join(', ')}]`;
}
