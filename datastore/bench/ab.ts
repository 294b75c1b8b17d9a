/**
 * Same-run A/B of two builds of single-pod mehdb (MEHDB_FAILOVER unset): durable PUT and GET,
 * throughput and the server process's CPU per request, beside the bare node:http server.
 *
 *   npm run build -w mehdb && node datastore/dist/bench/ab.js
 *
 * AB_OLD (default 2489638, the commit before leader failover) is checked out into a temporary
 * git worktree under the OS temp dir, compiled with this checkout's tsc and node_modules, and
 * removed at the end. The new build is this checkout's dist/, or AB_NEW (a commit, built the
 * same way). AB_PUT_RATE / AB_GET_RATE cap the load at that many requests per second (CPU per
 * request at the same offered load, where batch sizes do not follow each server's speed).
 * AB_CPU_PROF=<dir> runs both mehdb servers under `node --cpu-prof` into <dir>.
 * BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNECTIONS as for the bench.
 */
import { ChildProcess, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_DIR, closeClients, tmpDir } from '../test/support/cluster';
import { CONNECTIONS, DURATION, Figures, Kind, ROUNDS, Target, cpuOf, figureLine, fill, interleave, load, middle, paired, rpsOf, startServer, summarize } from './harness';

const OLD = process.env.AB_OLD ?? '2489638';
const NEW = process.env.AB_NEW;
const PROFILE_DIR = process.env.AB_CPU_PROF;
const RATES = { put: Number(process.env.AB_PUT_RATE ?? 0) || undefined, get: Number(process.env.AB_GET_RATE ?? 0) || undefined };
const REPO = execFileSync('git', ['-C', PACKAGE_DIR, 'rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
const PACKAGE_IN_REPO = path.relative(REPO, PACKAGE_DIR);

/** A git worktree of `commit` outside the repository, with the package compiled; `remove` deletes it. */
function buildCommit(commit: string, scratch: string, role: string): { bin: string; remove: () => void } {
  const dir = path.join(scratch, `${role}-${commit}`);
  execFileSync('git', ['-C', REPO, 'worktree', 'add', '--detach', dir, commit], { stdio: 'ignore' });
  const remove = (): void => {
    execFileSync('git', ['-C', REPO, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' });
  };
  try {
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules')); // @types/node for tsc
    execFileSync(path.join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', path.join(dir, PACKAGE_IN_REPO, 'tsconfig.json')], { stdio: 'inherit' });
  } catch (err) {
    remove();
    throw err;
  }
  return { bin: path.join(dir, PACKAGE_IN_REPO, 'bin', 'mehdb.js'), remove };
}

function startMehdb(label: string, bin: string): Promise<{ url: string; proc: ChildProcess }> {
  const prof = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROFILE_DIR)}`, `--cpu-prof-name=${label}.cpuprofile`] : [];
  const env = { MEHDB_HOST: 'mehdb-0', MEHDB_BIND: '127.0.0.1', MEHDB_DATADIR: tmpDir(`mehdb-ab-${label}-`), MEHDB_LOG_LEVEL: 'warn' };
  return startServer(label, [...prof, bin], env, 'MEHDB_PORT');
}

/** SIGTERM and wait, so a --cpu-prof profile gets written. */
function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');

async function main(): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mehdb-ab-'));
  const builds: Array<{ bin: string; remove: () => void }> = [];
  const procs: ChildProcess[] = [];
  try {
    const oldBuild = buildCommit(OLD, scratch, 'old');
    builds.push(oldBuild);
    const newBuild = NEW ? buildCommit(NEW, scratch, 'new') : { bin: path.join(PACKAGE_DIR, 'bin', 'mehdb.js'), remove: () => undefined };
    builds.push(newBuild);
    const oldName = `old ${OLD}`;
    const newName = `new ${NEW ?? 'checkout'}`;
    const bare = await startServer('bare', [path.join(__dirname, 'servers', 'bare.js')], {});
    const oldSrv = await startMehdb('old', oldBuild.bin);
    const newSrv = await startMehdb('new', newBuild.bin);
    procs.push(bare.proc, oldSrv.proc, newSrv.proc);
    const targets: Target[] = [
      { name: 'bare node:http', url: bare.url, pids: [bare.proc.pid!], kinds: ['put', 'get'] },
      { name: oldName, url: oldSrv.url, pids: [oldSrv.proc.pid!], kinds: ['put', 'get'] },
      { name: newName, url: newSrv.url, pids: [newSrv.proc.pid!], kinds: ['put', 'get'] },
    ];
    for (const t of targets) {
      await fill(t.url, 1000);
      await load(t.url, 'get', 1); // warm-up
    }
    console.log(`mehdb A/B: ${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} interleaved rounds (order flipped every round), median; node ${process.version}` +
        (RATES.put || RATES.get ? `; offered load PUT ${RATES.put ?? 'max'}, GET ${RATES.get ?? 'max'} req/s` : ''));
    const raw = await interleave(targets, ['put', 'get'], ROUNDS, RATES);
    const figures: Record<string, Record<Kind, Figures>> = {};
    for (const t of targets) {
      figures[t.name] = { put: summarize(raw.get(t.name)!.put), get: summarize(raw.get(t.name)!.get) };
      console.log(`  ${t.name.padEnd(16)} ${figureLine('put', figures[t.name].put)} | ${figureLine('get', figures[t.name].get)}`);
    }
    const ratios: Record<string, number> = {};
    for (const kind of ['put', 'get'] as const) {
      const [b, o, n] = [figures['bare node:http'][kind], figures[oldName][kind], figures[newName][kind]];
      const rpsPairs = paired(raw.get(newName)![kind], raw.get(oldName)![kind], rpsOf);
      const cpuPairs = paired(raw.get(newName)![kind], raw.get(oldName)![kind], cpuOf);
      Object.assign(ratios, { [`${kind}Rps`]: n.rps / o.rps, [`${kind}Cpu`]: n.cpuUs / o.cpuUs, [`${kind}RpsPaired`]: middle(rpsPairs), [`${kind}CpuPaired`]: middle(cpuPairs) });
      console.log(
        `  ${kind.toUpperCase().padEnd(3)} new / old: throughput ${(n.rps / o.rps).toFixed(2)}x, CPU per request ${(n.cpuUs / o.cpuUs).toFixed(2)}x` +
          ` | vs bare: old ${(o.rps / b.rps).toFixed(2)}x, new ${(n.rps / b.rps).toFixed(2)}x throughput; CPU old ${(o.cpuUs / b.cpuUs).toFixed(2)}x, new ${(n.cpuUs / b.cpuUs).toFixed(2)}x`,
      );
      console.log(`      per-round new / old, median [rounds]: throughput ${middle(rpsPairs).toFixed(2)}x [${fmt(rpsPairs)}], CPU per request ${middle(cpuPairs).toFixed(2)}x [${fmt(cpuPairs)}]`);
    }
    const outDir = path.join(PACKAGE_DIR, '.build');
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'bench-ab-results.json'), JSON.stringify({ when: new Date().toISOString(), old: OLD, new: NEW ?? 'checkout', rounds: ROUNDS, seconds: DURATION, rates: RATES, connections: CONNECTIONS, figures, ratios }, null, 2));
  } finally {
    await Promise.all(procs.map(stop));
    for (const b of builds) b.remove();
    fs.rmSync(scratch, { recursive: true, force: true });
    closeClients();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
