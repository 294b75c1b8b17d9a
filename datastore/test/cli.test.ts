import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCommandLine } from '../src/cli';
import { withSettingsTable } from '../src/cli-help';
import { KUBERNETES_VARIABLES, SETTINGS } from '../src/cli-settings';
import { loadConfig } from '../src/config';
import { BIN, PACKAGE_DIR, closeClients, freePort, request, tmpDir, waitFor } from './support/cluster';

/** `mehdb ARGS` to completion, from `cwd`, with only PATH and `env` in its environment. */
function mehdb(args: string[], env: Record<string, string> = {}, cwd = tmpDir('mehdb-cwd-')): { status: number | null; stdout: string; stderr: string; cwd: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, cwd };
}

/** A server started from the bin with these arguments; its log lines are collected. */
class Served {
  readonly logs: string[] = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string>, cwd: string) {
    this.proc = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d: Buffer) => this.logs.push(d.toString('utf8')));
    this.proc.stderr!.on('data', (d: Buffer) => this.logs.push(d.toString('utf8')));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }

  /** The `mehdb started` log line, once it is written. */
  started(): Promise<Record<string, unknown>> {
    return waitFor('the startup log line', async () => {
      const line = this.logs.join('').split('\n').find((l) => l.includes('"msg":"mehdb started"'));
      return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
    });
  }

  async stop(): Promise<number | null> {
    this.proc.kill('SIGTERM');
    return this.exited;
  }
}

const runningServers: Served[] = [];
after(() => {
  for (const s of runningServers) s.proc.kill('SIGKILL');
  closeClients();
});

function serve(args: string[], env: Record<string, string>, cwd: string): Served {
  const s = new Served(args, env, cwd);
  runningServers.push(s);
  return s;
}

const segmentFiles = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.seg'));

describe('mehdb --help and --version', () => {
  it('--help prints usage naming every flag and its variable, exits 0, and starts nothing', () => {
    const r = mehdb(['--help']);
    assert.equal(r.status, 0);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Usage: mehdb --data-dir DIR \[OPTION\.\.\.\]\n/);
    for (const s of SETTINGS) assert.match(r.stdout, new RegExp(`^  ${s.flag}\\b.* ${s.env}$`, 'm'), s.flag);
    assert.match(r.stdout, /required: nothing is written\nto the current directory unless you name it/);
    assert.deepEqual(fs.readdirSync(r.cwd), [], 'nothing written to the current directory');
    assert.equal(mehdb(['-h']).stdout, r.stdout, '-h is --help');
    assert.equal(mehdb(['--port', '1', '--help']).stdout, r.stdout, 'help after flags still answers');
  });

  it('--version prints the package version and exits 0', () => {
    const version = (JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
    const r = mehdb(['--version']);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, `mehdb ${version}\n`, '']);
  });
});

describe('arguments mehdb does not take', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /^mehdb: unknown option "--bogus"\n/],
    [['--bogus=1'], /^mehdb: unknown option "--bogus"\n/],
    [['serve'], /^mehdb: unexpected argument "serve" \(mehdb takes options only\)\n/],
    [['--datadir', '/tmp/x'], /^mehdb: unknown option "--datadir"; did you mean --data-dir\?\n/],
    [['--MEHDB_PORT=1'], /did you mean --port\?/],
    [['--port'], /^mehdb: --port needs a value: --port PORT\n/],
    [['--port', '--bind', '127.0.0.1'], /^mehdb: --port needs a value/],
    [['--port', '1', '--port=2'], /^mehdb: --port is given twice\n/],
    [['--solo=maybe'], /^mehdb: --solo must be --solo, --solo=true or --solo=false, got "maybe"\n/],
    [['--local=yes'], /^mehdb: --local takes no value\n/],
  ];
  for (const [args, message] of cases) {
    it(`mehdb ${args.join(' ')}: exit 2, names it, points to --help, writes nothing`, () => {
      const r = mehdb(['--data-dir', 'would-be-created', ...args]);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.match(r.stderr, /Try 'mehdb --help' for the options\.\n$/);
      assert.deepEqual(fs.readdirSync(r.cwd), []);
    });
  }
});

describe('the data directory', () => {
  it('neither --data-dir nor MEHDB_DATADIR: exit 2 naming both, and no ./data appears', async () => {
    const r = mehdb(['--bind', '127.0.0.1', '--port', String(await freePort())]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /"msg":"invalid configuration","error":"no data directory: set MEHDB_DATADIR or pass --data-dir DIR \(mehdb --help\)"/);
    assert.deepEqual(fs.readdirSync(r.cwd), []);
  });

  it('a relative --data-dir is created under the current directory and logged as an absolute path', async () => {
    const cwd = tmpDir('mehdb-cwd-');
    const port = await freePort();
    const s = serve(['--data-dir', 'store', '--host', 'mehdb-0', '--bind', '127.0.0.1', '--port', String(port)], {}, cwd);
    const line = await s.started();
    assert.equal(line.dataDir, path.join(cwd, 'store'));
    assert.equal((await request('PUT', `http://127.0.0.1:${port}/set/k`, 'v')).status, 200);
    assert.ok(segmentFiles(path.join(cwd, 'store')).length > 0);
    assert.deepEqual(fs.readdirSync(cwd), ['store']);
    assert.equal(await s.stop(), 0);
  });
});

describe('flags and the environment', () => {
  it('a flag wins over its variable: port, data directory and log level', async () => {
    const [envPort, flagPort] = [await freePort(), await freePort()];
    const root = tmpDir('mehdb-precedence-');
    const [envDir, flagDir] = [path.join(root, 'from-env'), path.join(root, 'from-flag')];
    const env = { MEHDB_HOST: 'mehdb-0', MEHDB_BIND: '127.0.0.1', MEHDB_PORT: String(envPort), MEHDB_DATADIR: envDir, MEHDB_LOG_LEVEL: 'error' };
    const s = serve([`--port=${flagPort}`, '--data-dir', flagDir, '--log-level', 'info'], env, root);
    const line = await s.started(); // written at info: the flag's level, not the variable's
    assert.deepEqual([line.port, line.dataDir, line.bind, line.host], [flagPort, flagDir, '127.0.0.1', 'mehdb-0'], 'unflagged settings still come from the environment');
    assert.equal((await request('PUT', `http://127.0.0.1:${flagPort}/set/k`, 'v')).status, 200);
    await assert.rejects(request('GET', `http://127.0.0.1:${envPort}/status`, undefined, 1000), /ECONNREFUSED/);
    assert.ok(segmentFiles(flagDir).length > 0);
    assert.equal(fs.existsSync(envDir), false, "the variable's directory is never created");
    assert.equal(await s.stop(), 0);
  });

  it('a bad value is reported under the name it was given by', () => {
    const byFlag = mehdb(['--data-dir', 'd', '--port', '0']);
    assert.equal(byFlag.status, 2);
    assert.match(byFlag.stderr, /"error":"--port must be between 1 and 65535, got 0"/);
    const byEnv = mehdb(['--data-dir', 'd'], { MEHDB_PORT: '0' });
    assert.equal(byEnv.status, 2);
    assert.match(byEnv.stderr, /"error":"MEHDB_PORT must be between 1 and 65535, got 0"/);
    assert.deepEqual(fs.readdirSync(byFlag.cwd), []);
  });
});

/** The variables one loadConfig call reads, recorded through a Proxy. */
function variablesRead(env: Record<string, string>, hostname: string): Set<string> {
  const read = new Set<string>();
  const recorder = new Proxy(env, {
    get: (target, key) => {
      if (typeof key === 'string') read.add(key);
      return target[key as string];
    },
  });
  loadConfig(recorder, hostname);
  return read;
}

describe('the settings table', () => {
  const known = new Set([...SETTINGS.map((s) => s.env), ...KUBERNETES_VARIABLES]);

  it('every variable loadConfig reads has a flag (the two Kubernetes ones excepted), and every flag is read', () => {
    const base = { MEHDB_DATADIR: '/d' };
    const lease = { ...base, MEHDB_FAILOVER: 'lease', MEHDB_REPLICAS: '3', KUBERNETES_SERVICE_HOST: '10.0.0.1' };
    const read = new Set([...variablesRead(base, 'mehdb-0'), ...variablesRead(base, 'mehdb-1'), ...variablesRead(lease, 'mehdb-1')]);
    assert.deepEqual([...read].filter((v) => !known.has(v)), [], 'read without a setting');
    assert.deepEqual([...known].filter((v) => !read.has(v)), [], 'a setting loadConfig never reads');
    const named = fs.readFileSync(path.join(PACKAGE_DIR, 'src', 'config.ts'), 'utf8').match(/\b(MEHDB|KUBERNETES)_[A-Z_]+\b/g) ?? [];
    assert.deepEqual([...new Set(named)].filter((v) => !known.has(v)), [], 'named in config.ts without a setting');
  });

  it('every flag sets its variable, in both spellings', () => {
    const flagsOf = (args: string[]): Readonly<Record<string, string>> => {
      const r = parseCommandLine(args);
      assert.equal(r.action, 'serve');
      return r.action === 'serve' ? r.flags : {};
    };
    for (const s of SETTINGS) {
      if (s.kind === 'value') {
        assert.deepEqual(flagsOf([s.flag, 'v 1']), { [s.env]: 'v 1' }, s.flag);
        assert.deepEqual(flagsOf([`${s.flag}=a=b`]), { [s.env]: 'a=b' }, s.flag);
      } else if (s.kind === 'boolean') {
        assert.deepEqual([flagsOf([s.flag]), flagsOf([`${s.flag}=false`])], [{ [s.env]: 'true' }, { [s.env]: 'false' }], s.flag);
      } else {
        assert.deepEqual(flagsOf([s.flag]), { [s.env]: '1' }, s.flag);
      }
    }
    assert.equal(new Set(SETTINGS.map((s) => s.flag)).size, SETTINGS.length, 'flags are unique');
  });

  it("datastore/README.md's configuration table is the generated one and names the Kubernetes variables", () => {
    const readme = fs.readFileSync(path.join(PACKAGE_DIR, 'README.md'), 'utf8');
    assert.equal(readme, withSettingsTable(readme), 'out of date: run `node dist/src/cli-help.js` in datastore/');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## HTTP API'));
    for (const v of known) assert.ok(section.includes(`\`${v}\``), `${v} documented`);
    assert.match(readme, /\n\s*npx mehdb --data-dir \S+ --bind 127\.0\.0\.1\n/, 'npx mehdb stays a one-liner');
  });
});
