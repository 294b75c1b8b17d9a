import * as path from 'node:path';
import { startNode, tmpDir } from '../test/support/cluster';
import { FailoverGroup, fakeBackend } from '../test/support/failover-group';
import { startFakeLeaseServer } from '../test/support/fake-lease-server';
import { Figures, Kind, ROUNDS, Target, cpuOf, fill, figureLine, interleave, load, middle, paired, rpsOf, startServer, summarize } from './harness';

/** Names of the measured servers, as printed and in the results JSON. */
export const BARE = 'bare node:http';
export const NAIVE = 'naive fsync';
export const MEHDB = 'mehdb';
export const REPLICATED = 'mehdb replicated';

/** The production Lease timings (the tests' short ones would renew 3x as often). */
const LEASE_DEFAULTS = { MEHDB_LEASE_DURATION_MS: '5000', MEHDB_RENEW_DEADLINE_MS: '3000', MEHDB_RETRY_PERIOD_MS: '1000', MEHDB_SYNC_TIMEOUT_MS: '2000' };

/** Medians per server and kind, and the per-round ratios of replicated to single-pod PUT. */
export interface Throughput {
  figures: Record<string, Partial<Record<Kind, Figures>>>;
  /** Replicated / single-pod durable PUT in each round: throughput, and CPU per request (leader). */
  replicatedRounds: { rps: number[]; cpu: number[] };
}

/**
 * GET and PUT of the bare node:http server, the naive fsync server and single-pod mehdb, and
 * PUT of replicated mehdb (MEHDB_FAILOVER=lease, a leader and one follower, MEHDB_SYNC_ACKS=1:
 * a PUT is answered once the follower holds it durably), all in the same interleaved rounds.
 * CPU per request is the server process's (for replicated PUT: the leader's, and in cpuAllUs
 * the leader's plus the follower's).
 */
export async function throughput(): Promise<Throughput> {
  const bare = await startServer('bare', [path.join(__dirname, 'servers', 'bare.js')], {});
  const naive = await startServer('naive', [path.join(__dirname, 'servers', 'naive-fsync.js')], { DATADIR: tmpDir('mehdb-bench-naive-') });
  const single = await startNode({ host: 'mehdb-0', dataDir: tmpDir('mehdb-bench-'), env: { MEHDB_LOG_LEVEL: 'warn' } });
  const fake = await startFakeLeaseServer(tmpDir('mehdb-bench-lease-'));
  const group = await FailoverGroup.start(fakeBackend(fake), 2, { ...LEASE_DEFAULTS, MEHDB_SYNC_ACKS: '1', MEHDB_LOG_LEVEL: 'warn' });
  try {
    const leader = await group.leader();
    const follower = group.others(leader)[0];
    const targets: Target[] = [
      { name: BARE, url: bare.url, pids: [bare.proc.pid!], kinds: ['get', 'put'] },
      { name: NAIVE, url: naive.url, pids: [naive.proc.pid!], kinds: ['get', 'put'] },
      { name: MEHDB, url: single.url, pids: [single.proc.pid!], kinds: ['get', 'put'] },
      { name: REPLICATED, url: leader.url, pids: [leader.proc.pid!, follower.proc.pid!], kinds: ['put'] },
    ];
    for (const t of targets) {
      await fill(t.url, 1000); // the keys GET reads
      await load(t.url, t.kinds[0], 1); // warm-up
    }
    const raw = await interleave(targets, ['get', 'put'], ROUNDS);
    const out: Throughput['figures'] = {};
    let problems = 0;
    for (const t of targets) {
      out[t.name] = {};
      const line = t.kinds.map((kind) => {
        const f = summarize(raw.get(t.name)![kind]);
        problems += f.problems;
        out[t.name][kind] = f;
        return figureLine(kind, f);
      });
      console.log(`  ${t.name.padEnd(16)} ${line.join(' | ')}`);
    }
    console.log(`  ${''.padEnd(16)} replicated PUT CPU, leader + follower: ${out[REPLICATED].put!.cpuAllUs.toFixed(0)} µs/req`);
    if (problems) console.log(`  WARNING: ${problems} non-2xx answers or errors during the runs`);
    const [rep, one] = [raw.get(REPLICATED)!.put, raw.get(MEHDB)!.put]; // next to each other in every round
    return { figures: out, replicatedRounds: { rps: paired(rep, one, rpsOf), cpu: paired(rep, one, cpuOf) } };
  } finally {
    bare.proc.kill();
    naive.proc.kill();
    await single.stop();
    await group.stop();
    await fake.close();
  }
}

/** The ratio lines under the throughput table, and their values for the results JSON. */
export function ratios(t: Throughput): Record<string, number> {
  const f = t.figures;
  const [bare, naive, ours, rep] = [f[BARE], f[NAIVE], f[MEHDB], f[REPLICATED]];
  const perRound = t.replicatedRounds;
  const r = {
    getRatio: ours.get!.rps / bare.get!.rps,
    putRatio: ours.put!.rps / naive.put!.rps,
    putBareRatio: ours.put!.rps / bare.put!.rps,
    replicatedRatio: rep.put!.rps / ours.put!.rps,
    replicatedRatioPerRoundMedian: middle(perRound.rps),
    getCpuRatio: ours.get!.cpuUs / bare.get!.cpuUs,
    putCpuRatio: ours.put!.cpuUs / bare.put!.cpuUs,
    replicatedCpuRatio: rep.put!.cpuUs / ours.put!.cpuUs,
    replicatedAllCpuRatio: rep.put!.cpuAllUs / ours.put!.cpuUs,
  };
  const us = (x: Figures | undefined): string => `${x!.cpuUs.toFixed(0)} µs`;
  console.log(`  GET  mehdb / bare  = ${r.getRatio.toFixed(2)}x (target >= 0.8)`);
  console.log(`  PUT  mehdb / naive = ${r.putRatio.toFixed(2)}x (target >= 4)`);
  console.log(`  PUT  mehdb durable / bare non-durable = ${r.putBareRatio.toFixed(2)}x (target >= 0.6)`);
  console.log(`  PUT  replicated / single-pod durable = ${r.replicatedRatio.toFixed(2)}x (target >= 0.75)`);
  console.log(`       per round (the two run next to each other): median ${r.replicatedRatioPerRoundMedian.toFixed(2)}x [${perRound.rps.map((x) => x.toFixed(2)).join(', ')}]`);
  console.log('  CPU per request (server process, median of the rounds):');
  console.log(`    GET  bare ${us(bare.get)}, mehdb ${us(ours.get)} (${r.getCpuRatio.toFixed(2)}x bare)`);
  console.log(`    PUT  bare ${us(bare.put)}, mehdb durable ${us(ours.put)} (${r.putCpuRatio.toFixed(2)}x bare)`);
  console.log(
    `    PUT  replicated: leader ${us(rep.put)} (${r.replicatedCpuRatio.toFixed(2)}x single-pod), ` +
      `leader + follower ${rep.put!.cpuAllUs.toFixed(0)} µs (${r.replicatedAllCpuRatio.toFixed(2)}x single-pod)`,
  );
  return r;
}
