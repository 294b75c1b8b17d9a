/**
 * Benchmark: `npm run bench -w mehdb`. Loopback only. Prints figures; asserts nothing.
 *
 * 1. GET and durable PUT: mehdb single-pod vs a bare node:http server (the floor) vs a naive
 *    server that fdatasyncs every write in turn, and replicated durable PUT (MEHDB_FAILOVER=lease,
 *    leader plus one follower, the follower's durable copy before the 200); autocannon, same
 *    connections and duration for all, interleaved rounds, median reported, with the server
 *    process's CPU (user + system) per request beside throughput (throughput.ts).
 * 2. Replication lag p50/p99 (leader ack -> value readable on the follower) under a write load:
 *    a fixed rate (BENCH_LAG_RATE, default 2000 PUT/s, above upstream's ~1,200 PUT/s peak) and
 *    a saturating 16-connection load.
 * 3. Follower catch-up for 100k keys: fresh follower (snapshot) and restarted follower (stream).
 *
 * The same-run A/B of two builds' single-pod PUT and GET is bench/ab.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MehdbProcess, closeClients, freePort, request, sleep, startNode, tmpDir, waitFor } from '../test/support/cluster';
import { CONNECTIONS, DURATION, ROUNDS, fill, load } from './harness';
import { REPLICATED, ratios, throughput } from './throughput';

const CATCHUP_KEYS = Number(process.env.BENCH_CATCHUP_KEYS ?? 100_000);
const LAG_RATE = Number(process.env.BENCH_LAG_RATE ?? 2000);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

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
  const r = ratios(t);
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
    rounds: ROUNDS,
    throughput: Object.fromEntries(
      Object.entries(t.figures).map(([name, kinds]) => [
        name,
        Object.fromEntries(
          Object.entries(kinds).flatMap(([kind, f]) => [
            [`${kind}Rps`, f.rps],
            [`${kind}P99Ms`, f.p99],
            [`${kind}Runs`, f.runs],
            [`${kind}CpuUsPerReq`, f.cpuUs],
            [`${kind}CpuRuns`, f.cpuRuns],
            ...(name === REPLICATED ? [[`${kind}CpuUsPerReqWithFollower`, f.cpuAllUs]] : []),
          ]),
        ),
      ]),
    ),
    ...r,
    replicatedRounds: t.replicatedRounds,
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
