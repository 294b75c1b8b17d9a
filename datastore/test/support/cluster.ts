import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Helpers to run real mehdb processes (from the package bin) on 127.0.0.1. */

export const PACKAGE_DIR = path.resolve(__dirname, '..', '..', '..');
export const BIN = path.join(PACKAGE_DIR, 'bin', 'mehdb.js');

const live = new Set<ChildProcess>();
const dirs: string[] = [];
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
  if (!process.env.MEHDB_KEEP_TEST_DIRS) for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed when the process exits. */
export function tmpDir(prefix = 'mehdb-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/**
 * A port for a server of the test to listen on later: free now, and below the kernel's
 * ephemeral range (32768 and up), so that no outgoing connection of another process (etcd and
 * kube-apiserver make many) can take it between this check and the server's listen.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.unref();
    s.on('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One HTTP request to 127.0.0.1, bounded by `timeoutMs`. Does not follow redirects. A pooled
 * keep-alive socket that turns out to be dead (its server went away) is retried once on a new one.
 */
export async function request(method: string, url: string, body?: Buffer | string, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<Reply> {
  try {
    return await requestOnce(method, url, body, timeoutMs, headers);
  } catch (err) {
    if ((err as { reusedSocket?: boolean }).reusedSocket) return requestOnce(method, url, body, timeoutMs, headers);
    throw err;
  }
}

function requestOnce(method: string, url: string, body: Buffer | string | undefined, timeoutMs: number, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, text: b.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      reject(Object.assign(err, { reusedSocket: stale }));
    });
    req.end(body);
  });
}

/** Like `curl -L`: follows a 307 once, re-sending the body. */
export async function requestFollow(method: string, url: string, body?: Buffer | string): Promise<Reply> {
  const r = await request(method, url, body);
  if (r.status === 307 && typeof r.headers.location === 'string') return request(method, r.headers.location, body);
  return r;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface NodeOptions {
  host: string;
  dataDir: string;
  port?: number;
  leaderUrl?: string;
  env?: Record<string, string>;
}

export class MehdbProcess {
  proc!: ChildProcess;
  readonly logs: string[] = [];
  exited: Promise<number | null> = Promise.resolve(null);

  constructor(readonly opts: NodeOptions & { port: number }) {}

  get url(): string {
    return `http://127.0.0.1:${this.opts.port}`;
  }

  async start(waitReady = true): Promise<this> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      MEHDB_HOST: this.opts.host,
      MEHDB_PORT: String(this.opts.port),
      MEHDB_BIND: '127.0.0.1',
      MEHDB_DATADIR: this.opts.dataDir,
      MEHDB_LOG_LEVEL: 'info',
      ...(this.opts.leaderUrl ? { MEHDB_LEADER_URL: this.opts.leaderUrl } : {}),
      ...this.opts.env,
    };
    this.proc = spawn(process.execPath, [BIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.proc);
    const onData = (d: Buffer): void => {
      if (this.logs.length < 5000) this.logs.push(d.toString('utf8'));
    };
    this.proc.stdout!.on('data', onData);
    this.proc.stderr!.on('data', onData);
    const proc = this.proc;
    this.exited = new Promise((resolve) =>
      proc.on('exit', (code) => {
        live.delete(proc);
        resolve(code);
      }),
    );
    if (waitReady) {
      try {
        await waitFor(`${this.opts.host} up`, async () => (await request('GET', `${this.url}/status`, undefined, 1000)).status === 200, 15_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}; exit ${proc.exitCode ?? proc.signalCode ?? 'none'}; log:\n${this.logs.join('').slice(-2000)}`);
      }
    }
    return this;
  }

  /** SIGKILL: no flush, no goodbye. */
  async kill9(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait (bounded) for the exit code. */
  async stop(): Promise<number | null> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.proc.exitCode;
    this.proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 15_000)));
    const code = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (code === 'timeout') {
      this.proc.kill('SIGKILL');
      await this.exited;
      throw new Error(`${this.opts.host} did not stop on SIGTERM`);
    }
    return code;
  }
}

export async function startNode(opts: NodeOptions, waitReady = true): Promise<MehdbProcess> {
  const port = opts.port ?? (await freePort());
  return new MehdbProcess({ ...opts, port }).start(waitReady);
}

/** Keys and values of a node, read through its API. */
export async function dump(url: string): Promise<Map<string, string>> {
  const keys = JSON.parse((await request('GET', `${url}/keys`)).text) as string[];
  const out = new Map<string, string>();
  for (const k of keys) {
    const r = await request('GET', `${url}/get/${k}`);
    if (r.status === 200) out.set(k, r.text);
  }
  return out;
}

/** Drops idle keep-alive sockets so the test process can exit promptly. */
export function closeClients(): void {
  agent.destroy();
}
