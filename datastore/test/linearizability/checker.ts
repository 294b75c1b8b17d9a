import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HistoryOp } from './history';

/**
 * Builds the Go checker (checker/, porcupine) once into a cache outside the repository and
 * runs it on recorded histories. Node built-ins only: the cluster tests bundle this with esbuild.
 */

const BINARY = 'linearizability-checker';
const CHECKER_REL = path.join('test', 'linearizability', 'checker');
const BUILD_TIMEOUT_MS = 20 * 60_000;

/** The checker's verdict: porcupine's CheckResult. */
export type Verdict = 'Ok' | 'Illegal' | 'Unknown';

/** Options of checkHistory. */
export interface CheckOptions {
  /** Porcupine's time budget; past it the verdict is Unknown. Default 60 000. */
  timeoutMs?: number;
  /** Where to write the HTML visualization when the verdict is not Ok. */
  htmlFile?: string;
  /** Keep the history JSON here (default: a temporary file, removed afterwards). */
  historyFile?: string;
}

/** The checker's verdict and its one-line summary. */
export interface CheckResult {
  verdict: Verdict;
  /** `porcupine: <verdict> (<n> operations, <k> keys, <u> unknown outcomes)` */
  line: string;
  /** Set when the visualization was written. */
  htmlFile?: string;
}

interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let building: Promise<string> | undefined;

/**
 * The path of the checker binary, built on first use (needs Go and the Go module proxy) into
 * `<tools cache>/linearizability-checker-<hash of sources and go version>/`. The tools cache
 * is that of scripts/go-tool.sh: $MEHDB_TOOLS_DIR, else /var/cache/mehdb-tools when writable,
 * else ${XDG_CACHE_HOME:-~/.cache}/mehdb-tools. $MEHDB_LINEARIZABILITY_CHECKER names a
 * prebuilt binary instead.
 */
export function ensureChecker(): Promise<string> {
  const prebuilt = process.env.MEHDB_LINEARIZABILITY_CHECKER;
  if (prebuilt) return Promise.resolve(prebuilt);
  building ??= buildChecker().catch((err: unknown) => {
    building = undefined;
    throw err;
  });
  return building;
}

async function buildChecker(): Promise<string> {
  const sources = findCheckerSources();
  const goVersion = await run('go', ['version'], { timeoutMs: 60_000 }).catch((err: Error) => {
    throw new Error(`the linearizability checker needs Go to build (${err.message})`);
  });
  if (goVersion.code !== 0) throw new Error(`go version failed: ${goVersion.stderr}`);
  const dir = path.join(toolsCache(), `${BINARY}-${sourceHash(sources, goVersion.stdout)}`);
  const bin = path.join(dir, BINARY);
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(dir, '.build.'));
  try {
    const args = ['build', '-trimpath', '-buildvcs=false', '-o', path.join(tmp, BINARY), '.'];
    const env = { ...process.env, GOTOOLCHAIN: 'local' };
    const res = await run('go', args, { cwd: sources, env, timeoutMs: BUILD_TIMEOUT_MS });
    if (res.code !== 0) throw new Error(`go build of ${sources} failed (exit ${res.code}):\n${res.stderr}`);
    fs.renameSync(path.join(tmp, BINARY), bin);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

/** The checker's source folder, found upwards from this file (compiled in dist/ or bundled). */
function findCheckerSources(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    for (const candidate of [path.join(dir, CHECKER_REL), path.join(dir, 'datastore', CHECKER_REL)]) {
      if (fs.existsSync(path.join(candidate, 'go.mod'))) return candidate;
    }
    if (path.dirname(dir) === dir) throw new Error(`no ${CHECKER_REL}/go.mod above ${__dirname}`);
  }
}

/** Same folder choice as scripts/go-tool.sh. */
function toolsCache(): string {
  if (process.env.MEHDB_TOOLS_DIR) return process.env.MEHDB_TOOLS_DIR;
  const system = '/var/cache/mehdb-tools';
  try {
    fs.mkdirSync(system, { recursive: true });
    fs.accessSync(system, fs.constants.W_OK);
    return system;
  } catch {
    return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mehdb-tools');
  }
}

/** Hash of the files that make the binary (go.mod, go.sum, non-test .go) and the Go version. */
function sourceHash(dir: string, goVersion: string): string {
  const hash = crypto.createHash('sha256').update(goVersion.trim()).update('\0');
  const files = fs.readdirSync(dir).filter((f) => f === 'go.mod' || f === 'go.sum' || (f.endsWith('.go') && !f.endsWith('_test.go')));
  for (const f of files.sort()) hash.update(f).update('\0').update(fs.readFileSync(path.join(dir, f))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/**
 * Checks a history with porcupine (a register per key). Resolves with the verdict (Ok,
 * Illegal, or Unknown when the time budget ran out); rejects when the checker refuses the
 * input (exit 2) or fails otherwise.
 */
export async function checkHistory(ops: readonly HistoryOp[], opts: CheckOptions = {}): Promise<CheckResult> {
  const bin = await ensureChecker();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const tmp = opts.historyFile ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'mehdb-history-'));
  const historyFile = opts.historyFile ?? path.join(tmp!, 'history.json');
  try {
    fs.writeFileSync(historyFile, JSON.stringify({ operations: ops }));
    const args = ['-timeout', `${timeoutMs}ms`, ...(opts.htmlFile ? ['-html', opts.htmlFile] : []), historyFile];
    if (opts.htmlFile) fs.rmSync(opts.htmlFile, { force: true });
    const res = await run(bin, args, { timeoutMs: timeoutMs * 3 + 60_000 });
    const verdict = ({ 0: 'Ok', 1: 'Illegal', 3: 'Unknown' } as Record<number, Verdict>)[res.code ?? -1];
    const line = res.stdout.trim();
    if (!verdict || !line.startsWith(`porcupine: ${verdict} `)) {
      throw new Error(`linearizability checker failed (exit ${res.code}): ${line}\n${res.stderr}`);
    }
    const wroteHtml = opts.htmlFile !== undefined && verdict !== 'Ok' && fs.existsSync(opts.htmlFile);
    return { verdict, line, ...(wroteHtml ? { htmlFile: opts.htmlFile } : {}) };
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs a command to completion, capturing its output; SIGKILL after timeoutMs. */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
