// What the image checks share: where image/test.sh put things (its state dir with the two
// builds' records and logs, the loopback registry), podman in the test's own store or in the
// stand-in for the user's storage, the datastore's HTTP API, and datastore containers that are
// removed after the test or suite that started them. Nothing here keeps results between checks.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the image checks run through npm run test:image (image/test.sh)`);
  return value;
}

/** The state dir of image/test.sh: store/ (its container storage), user-store/, the builds. */
export const STATE = required('MEHDB_IMAGE_TEST_STATE');
/** host:port of the loopback docker-registry image/test.sh started. */
export const REGISTRY = required('MEHDB_IMAGE_TEST_REGISTRY');
export const REPO_DIR = required('MEHDB_REPO_DIR');
/** The bound of every wait, in seconds. */
export const WAIT_SECONDS = Number(process.env.MEHDB_IMAGE_TEST_WAIT ?? 30);

// ---- commands -------------------------------------------------------------------------------

export interface Result { status: number | null; stdout: string; stderr: string }

/** Runs a command to its end (bounded: killed after `timeoutSeconds`). */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutSeconds?: number } = {}): Result {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8', env: opts.env ?? process.env, timeout: (opts.timeoutSeconds ?? 60) * 1000, killSignal: 'SIGKILL',
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

/** Runs a command that must succeed; its stdout. */
export function ok(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutSeconds?: number } = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr.trim()}`);
  return r.stdout;
}

/** podman on the test's own store (the configuration image/test.sh exported). */
export const podman = (...args: string[]): string => ok('podman', args);

/** The environment of podman in the stand-in for the user's own container storage. */
export const USER_STORE_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  CONTAINERS_CONF: path.join(STATE, 'user-store', 'containers.conf'),
  CONTAINERS_STORAGE_CONF: path.join(STATE, 'user-store', 'storage.conf'),
};

export const tail = (text: string, lines = 20): string => text.trimEnd().split('\n').slice(-lines).join('\n');

// ---- the builds -----------------------------------------------------------------------------

/** image/mehdb-image.json, as `npm run image` writes it. */
export interface ImageRecord {
  repository: string; tag: string; digest: string; reference: string;
  base: string; buildBase: string; builtWith: string;
  sizeBytes: { compressed: number; unpacked: number };
}

export interface Build { exitCode: number | undefined; printed: string; log: string; record: ImageRecord | undefined }

const readIf = (file: string): string | undefined => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined);

/**
 * What image/test.sh's build N left: 1 is the cold build into the test's store (with an
 * oci-archive, and a copy into the user's stand-in storage), 2 the cold --no-cache build in
 * another store, pushed to the registry.
 */
export function build(n: 1 | 2): Build {
  const rc = readIf(path.join(STATE, `build-${n}.rc`));
  const record = readIf(path.join(STATE, `record-${n}.json`));
  return {
    exitCode: rc === undefined ? undefined : Number(rc),
    printed: (readIf(path.join(STATE, `build-${n}.out`)) ?? '').trim(),
    log: readIf(path.join(STATE, `build-${n}.log`)) ?? '',
    record: record === undefined ? undefined : (JSON.parse(record) as ImageRecord),
  };
}

/** The record of build N; throws with the end of its log when that build did not succeed. */
export function built(n: 1 | 2 = 1): ImageRecord {
  const b = build(n);
  if (b.exitCode !== 0 || !b.record) {
    throw new Error(`build ${n} did not succeed (exit ${b.exitCode ?? 'unknown'}); end of ${STATE}/build-${n}.log:\n${tail(b.log)}`);
  }
  return b.record;
}

/** repository:tag of build 1, as `podman run` takes it. */
export const builtImage = (): string => `${built(1).repository}:${built(1).tag}`;

// ---- waiting and HTTP -----------------------------------------------------------------------

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every half second until it returns true; throws after `seconds`. */
export async function waitFor(what: string, probe: () => Promise<boolean>, seconds = WAIT_SECONDS): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let last = 'no answer yet';
  for (;;) {
    try {
      if (await probe()) return;
      last = 'not yet';
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`gave up waiting ${seconds}s for ${what} (last: ${last})`);
    await sleep(500);
  }
}

export interface Answer { status: number; body: string }

/** One HTTP request to 127.0.0.1 (bounded: 5 s). */
export async function http(port: number, urlPath: string, init: { method?: string; body?: string } = {}): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { ...init, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

const handedOut = new Set<number>();

/** A TCP port that nothing listens on and that this process has not handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
