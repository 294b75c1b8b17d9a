/**
 * Benchmark: `npm run bench -w mehdb`. Loopback only. Prints figures; asserts nothing.
 *
 * 1. GET and durable PUT: mehdb leader vs a bare node:http server (the floor) vs a naive server
 *    that fdatasyncs every write in turn; autocannon, same connections and duration for all,
 *    interleaved rounds, median reported.
 * 2. Replication lag p50/p99 (leader ack -> value readable on the follower) under a write load:
 *    a fixed rate (BENCH_LAG_RATE, default 2000 PUT/s, above upstream's ~1,200 PUT/s peak) and
 *    a saturating 16-connection load.
 * 3. Follower catch-up for 100k keys: fresh follower (snapshot) and restarted follower (stream).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MehdbProcess, closeClients, freePort, request, sleep, startNode, tmpDir, waitFor } from '../test/support/cluster';

// autocannon ships no types; the few fields used are declared here.
interface AcResult {
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

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CATCHUP_KEYS = Number(process.env.BENCH_CATCHUP_KEYS ?? 100_000);
const LAG_RATE = Number(process.env.BENCH_LAG_RATE ?? 2000);
const VALUE = Buffer.alloc(100, 'v');
const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

async function startScript(script: string, env: Record<string, string>): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [path.join(__dirname, 'servers', script)], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(script, async () => (await request('GET', `${url}/get/x`, undefined, 1000)).status > 0, 10_000);
  return { url, proc };
}

async function load(url: string, kind: 'get' | 'put', seconds = DURATION, connections = CONNECTIONS, keys = 1000, overallRate?: number): Promise<AcResult> {
  let i = 0;
  const requests: AcRequest[] =
    kind === 'get'
      ? [{ method: 'GET', setupRequest: (r) => ({ ...r, path: `/get/k${i++ % keys}` }) }]
      : [{ method: 'PUT', body: VALUE, setupRequest: (r) => ({ ...r, path: `/set/k${i++ % keys}` }) }];
  return autocannon({ url, connections, duration: seconds, requests, ...(overallRate ? { overallRate } : {}) });
}

async function fill(url: string, n: number, prefix = 'k'): Promise<void> {
  let i = 0;
  await autocannon({
    url,
    connections: CONNECTIONS,
    amount: n,
    requests: [{ method: 'PUT', body: VALUE, setupRequest: (r: AcRequest) => ({ ...r, path: `/set/${prefix}${i++}` }) }],
  });
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

interface Figures {
  rps: number;
  p99: number;
  runs: number[];
}

/** Median run by req/s (its p99 comes with it). */
function median(results: AcResult[]): Figures {
  const sorted = [...results].sort((a, b) => a.requests.average - b.requests.average);
  const mid = sorted[Math.floor(sorted.length / 2)];
  return { rps: mid.requests.average, p99: mid.latency.p99, runs: results.map((r) => Math.round(r.requests.average)) };
}

/**
 * The three servers are measured in interleaved rounds (bare, naive, mehdb, bare, ...) and the
 * median round is reported, so a burst of load from elsewhere on the machine does not land on
 * one server only.
 */
async function throughput(): Promise<Record<string, { get: Figures; put: Figures }>> {
  const bare = await startScript('bare.js', {});
  const naive = await startScript('naive-fsync.js', { DATADIR: tmpDir('mehdb-bench-naive-') });
  const ours = await startNode({ host: 'mehdb-0', dataDir: tmpDir('mehdb-bench-'), env: { MEHDB_LOG_LEVEL: 'warn' } });
  const targets: Array<[string, string]> = [
    ['bare node:http', bare.url],
    ['naive fsync', naive.url],
    ['mehdb', ours.url],
  ];
  const raw: Record<string, { get: AcResult[]; put: AcResult[] }> = {};
  for (const [name, url] of targets) {
    raw[name] = { get: [], put: [] };
    await fill(url, 1000); // the keys GET reads
    await load(url, 'get', 1); // warm-up
  }
  let problems = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['get', 'put'] as const) {
      for (const [name, url] of targets) {
        const r = await load(url, kind);
        problems += r.non2xx + r.errors;
        raw[name][kind].push(r);
      }
    }
  }
  const out: Record<string, { get: Figures; put: Figures }> = {};
  for (const [name] of targets) {
    const get = median(raw[name].get);
    const put = median(raw[name].put);
    out[name] = { get, put };
    console.log(`  ${name.padEnd(15)} GET ${get.rps.toFixed(0).padStart(6)} req/s p99 ${String(get.p99).padStart(3)} ms [${get.runs.join(', ')}] | PUT ${put.rps.toFixed(0).padStart(6)} req/s p99 ${String(put.p99).padStart(3)} ms [${put.runs.join(', ')}]`);
  }
  if (problems) console.log(`  WARNING: ${problems} non-2xx answers or errors during the runs`);
  bare.proc.kill();
  naive.proc.kill();
  await ours.stop();
  return out;
}

async function replicationLag(rate?: number): Promise<{ p50: number; p99: number; max: number; samples: number; loadRps: number }> {
  const port = await freePort();
  const leader = await startNode({ host: 'mehdb-0', port, dataDir: tmpDir('mehdb-bench-l-'), env: { MEHDB_LOG_LEVEL: 'warn' } });
  const follower = await startNode({ host: 'mehdb-1', dataDir: tmpDir('mehdb-bench-f-'), leaderUrl: leader.url, env: { MEHDB_LOG_LEVEL: 'warn' } });
  await waitFor('follower ready', async () => (await request('GET', `${follower.url}/readyz`)).status === 200);
  const loadSeconds = DURATION + 2;
  const background = load(leader.url, 'put', loadSeconds, 16, 5000, rate);
  await sleep(500);
  const lags: number[] = [];
  const until = Date.now() + (loadSeconds - 1.5) * 1000;
  for (let i = 0; Date.now() < until && i < 2000; i++) {
    const v = `probe-${i}`;
    const r = await request('PUT', `${leader.url}/set/probe${i}`, v);
    if (r.status !== 200) continue;
    const acked = performance.now();
    for (let tries = 0; tries < 5000; tries++) {
      const g = await request('GET', `${follower.url}/get/probe${i}`);
      if (g.status === 200 && g.text === v) {
        lags.push(performance.now() - acked);
        break;
      }
      await sleep(1);
    }
    await sleep(5);
  }
  const bg = await background;
  await follower.stop();
  await leader.stop();
  return { p50: pct(lags, 50), p99: pct(lags, 99), max: Math.max(...lags), samples: lags.length, loadRps: bg.requests.average };
}

async function catchUp(): Promise<{ snapshotMs: number; streamMs: number; keys: number }> {
  const port = await freePort();
  const leader = await startNode({ host: 'mehdb-0', port, dataDir: tmpDir('mehdb-bench-l-'), env: { MEHDB_LOG_LEVEL: 'warn' } });
  await fill(leader.url, CATCHUP_KEYS, 'a');
  const count = Number((await request('GET', `${leader.url}/status?level=full`)).text);
  const fdir = tmpDir('mehdb-bench-f-');
  // Fresh follower: empty data dir, takes a snapshot.
  let t0 = performance.now();
  let follower: MehdbProcess = await startNode({ host: 'mehdb-1', dataDir: fdir, leaderUrl: leader.url, env: { MEHDB_LOG_LEVEL: 'warn' } }, false);
  await waitFor('snapshot catch-up', async () => (await request('GET', `${follower.url}/readyz`, undefined, 1000)).status === 200, 300_000, 10);
  const snapshotMs = performance.now() - t0;
  assertCount(Number((await request('GET', `${follower.url}/status?level=full`)).text), count);
  await follower.stop();
  // Restarted follower, 100k changes behind: catches up through the change stream.
  await fill(leader.url, CATCHUP_KEYS, 'b');
  const count2 = Number((await request('GET', `${leader.url}/status?level=full`)).text);
  t0 = performance.now();
  follower = await startNode({ host: 'mehdb-1', dataDir: fdir, leaderUrl: leader.url, env: { MEHDB_LOG_LEVEL: 'warn' } }, false);
  await waitFor('stream catch-up', async () => (await request('GET', `${follower.url}/readyz`, undefined, 1000)).status === 200, 300_000, 10);
  const streamMs = performance.now() - t0;
  assertCount(Number((await request('GET', `${follower.url}/status?level=full`)).text), count2);
  await follower.stop();
  await leader.stop();
  return { snapshotMs, streamMs, keys: count };
}

function assertCount(got: number, want: number): void {
  if (got !== want) console.log(`  WARNING: follower has ${got} keys, leader ${want}`);
}

async function main(): Promise<void> {
  console.log(`mehdb bench: ${CONNECTIONS} connections, ${DURATION} s per run, 100-byte values, loopback, node ${process.version}`);
  console.log(`throughput (median of ${ROUNDS} interleaved rounds; every round in brackets):`);
  const t = await throughput();
  const ours = t['mehdb'];
  const bare = t['bare node:http'];
  const naive = t['naive fsync'];
  const getRatio = ours.get.rps / bare.get.rps;
  const putRatio = ours.put.rps / naive.put.rps;
  const putBareRatio = ours.put.rps / bare.put.rps;
  console.log(`  GET  mehdb / bare  = ${getRatio.toFixed(2)}x (target >= 0.8)`);
  console.log(`  PUT  mehdb / naive = ${putRatio.toFixed(2)}x (target >= 4)`);
  console.log(`  PUT  mehdb durable / bare non-durable = ${putBareRatio.toFixed(2)}x (target >= 0.6)`);
  console.log('replication lag (leader ack -> readable on follower), target p99 <= 50 ms:');
  const lagRate = await replicationLag(LAG_RATE);
  console.log(`  at ${LAG_RATE} PUT/s:        p50 ${lagRate.p50.toFixed(1)} ms, p99 ${lagRate.p99.toFixed(1)} ms, max ${lagRate.max.toFixed(1)} ms over ${lagRate.samples} probes; load achieved ${lagRate.loadRps.toFixed(0)} PUT/s`);
  const lag = await replicationLag();
  console.log(`  at saturation (16 conn): p50 ${lag.p50.toFixed(1)} ms, p99 ${lag.p99.toFixed(1)} ms, max ${lag.max.toFixed(1)} ms over ${lag.samples} probes; load achieved ${lag.loadRps.toFixed(0)} PUT/s`);
  console.log(`follower catch-up (${CATCHUP_KEYS} keys):`);
  const cu = await catchUp();
  console.log(`  fresh follower via snapshot: ${(cu.snapshotMs / 1000).toFixed(2)} s for ${cu.keys} keys (process start included)`);
  console.log(`  restarted follower via change stream, ${CATCHUP_KEYS} changes behind: ${(cu.streamMs / 1000).toFixed(2)} s`);
  const summary = {
    when: new Date().toISOString(),
    connections: CONNECTIONS,
    seconds: DURATION,
    throughput: Object.fromEntries(
      Object.entries(t).map(([k, v]) => [k, { getRps: v.get.rps, getP99Ms: v.get.p99, getRuns: v.get.runs, putRps: v.put.rps, putP99Ms: v.put.p99, putRuns: v.put.runs }]),
    ),
    getRatio,
    putRatio,
    putBareRatio,
    lag: { fixedRate: { rate: LAG_RATE, ...lagRate }, saturated: lag },
    catchUp: cu,
  };
  const outDir = path.join(__dirname, '..', '..', '.build');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'bench-results.json'), JSON.stringify(summary, null, 2));
  closeClients();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
