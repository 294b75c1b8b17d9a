// `npm run synth` (scripts/synth.js) as a user runs it: what it prints on success and failure,
// its exit codes, colour, --stdout, and that the output folder changes only on success.
import { spawnSync } from 'child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(__dirname, '..');
const ANSI = /\u001b\[/;
const STACK_LINE = /^\s+at /m;
const POLICY_LINE = 'policy: 0 errors, 0 warnings, 3 declared exceptions (npm run policy:report)';
jest.setTimeout(120_000);

/** A folder holding a copy of dist/ plus a marker file, as the output folder of a synth. */
function previousOutput(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'mehdb-synth-cli-')), 'out');
  cpSync(join(ROOT, 'dist'), dir, { recursive: true });
  writeFileSync(join(dir, 'marker.txt'), 'from an earlier synth\n');
  return dir;
}
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map(f => [f, readFileSync(join(dir, f), 'utf8')]));

/** The environment of a user with no config and no preference: no MEHDB_*, no NO_COLOR. */
function userEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const name of ['MEHDB_PRESET', 'MEHDB_CONFIG', 'MEHDB_VERBOSE', 'NO_COLOR', 'FORCE_COLOR']) delete base[name];
  return { ...base, ...env };
}

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env: userEnv(env) });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const synth = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [join(ROOT, 'scripts', 'synth.js'), ...args], env);

function configFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mehdb-config-')), 'config.json');
  writeFileSync(file, content);
  return file;
}

describe('a successful synth is quiet', () => {
  test('`npm run synth` prints at most 6 lines (npm\'s own 4 included): the files written and one policy line, no colour', () => {
    const out = previousOutput();
    const result = run('npm', ['run', 'synth', '--', '--output', out]);
    expect(result.status).toBe(0);
    const lines = `${result.stdout}${result.stderr}`.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(result.stdout.trimEnd().split('\n').slice(-2)).toEqual([
      `synth: wrote ${out}/ (0000-cluster-scoped.k8s.yaml, 0001-namespaced.k8s.yaml)`,
      POLICY_LINE,
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toMatch(ANSI);
  });

  test('the same output whether or not a kube-score binary is built: synth never runs it', () => {
    const out = previousOutput();
    const withCache = synth(['--output', out]);
    const withoutTools = synth(['--output', out], { MEHDB_TOOLS_DIR: mkdtempSync(join(tmpdir(), 'mehdb-no-tools-')), PATH: dirname(process.execPath) });
    expect(withoutTools).toEqual(withCache);
    expect(withCache.stdout.split('\n')[1]).toBe(POLICY_LINE);
  });

  test('--verbose (or MEHDB_VERBOSE=1) prints the full report too: each declared exception with its reason', () => {
    for (const [args, env] of [[['--verbose'], {}], [[], { MEHDB_VERBOSE: '1' }]] as const) {
      const result = synth(['--output', previousOutput(), ...args], env);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('declared exception run-as-non-root: Deployment/mehdb/nfs-provisioner (construct namespaced/Storage/Deployment)');
      expect(result.stdout).toContain('  reason NFS Ganesha runs as root');
      expect(result.stdout.trimEnd().split('\n').pop()).toBe(POLICY_LINE);
    }
  });

  test('colour only on a terminal, and never with NO_COLOR (a real pseudo-terminal through `script`)', () => {
    const onTerminal = (env: string) => run('script', ['-qec', `${env} '${process.execPath}' scripts/synth.js --verbose --output '${previousOutput()}'`, '/dev/null']);
    const coloured = onTerminal('');
    expect(coloured.status).toBe(0);
    expect(coloured.stdout).toContain('\u001b[36mdeclared exception\u001b[0m');
    const plain = onTerminal('NO_COLOR=1');
    expect(plain.stdout).toContain('declared exception run-as-non-root');
    expect(plain.stdout).not.toMatch(ANSI);
  });

  test('the tutorial preset synthesizes, the course\'s departures counted as warnings', () => {
    const result = synth(['--output', previousOutput()], { MEHDB_PRESET: 'tutorial' });
    expect(result.status).toBe(0);
    expect(result.stdout.trimEnd().split('\n').pop()).toMatch(/^policy: 0 errors, [1-9]\d* warnings, 0 declared exceptions \(npm run policy:report\)$/);
  });
});

describe('--stdout', () => {
  test('writes only YAML to stdout, the manifests of dist/ in order; the policy line goes to stderr', () => {
    const result = synth(['--stdout']);
    expect(result.status).toBe(0);
    const docs = parseAllDocuments(result.stdout);
    expect(docs.flatMap(d => d.errors)).toEqual([]);
    const fromDist = readdirSync(join(ROOT, 'dist')).sort().flatMap(f => parseAllDocuments(readFileSync(join(ROOT, 'dist', f), 'utf8')).map(d => d.toJS()));
    expect(docs.map(d => d.toJS())).toEqual(fromDist);
    expect(result.stderr).toBe(`${POLICY_LINE}\n`);
  });
});

describe('a failing synth changes nothing', () => {
  test('a config with several problems: every problem on its own clean line, exit 1, the output folder untouched', () => {
    const out = previousOutput();
    const before = snapshot(out);
    const file = configFile(JSON.stringify({
      mehdb: { replica: 3, storageSize: '1 gigabyte', replicas: 0, hardened: 'yes' },
      storage: { image: 'registry.k8s.io/sig-storage/nfs-provisioner:latest' },
    }));
    const result = synth(['--output', out], { MEHDB_CONFIG: file });
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^storage\.image: .* is not pinned .*\. Fix: /),
      'mehdb.replicas: 0 is not an integer from 1 to 1000. Fix: set an integer from 1 to 1000',
      expect.stringMatching(/^mehdb\.storageSize: "1 gigabyte" is not a positive Kubernetes quantity\. Fix: /),
      'mehdb.hardened: "yes" is not true or false. Fix: write true or false',
      expect.stringMatching(/^mehdb\.replica: is not a setting\. Fix: did you mean `replicas`\? Else remove it \(the settings here: name, replicas, /),
    ]);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stdout).toBe('');
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(dirname(out))).toEqual(['out']);
  });

  test('broken JSON and an unknown preset: both reported cleanly, exit 1, the output folder untouched', () => {
    const out = previousOutput();
    const before = snapshot(out);
    const result = synth(['--output', out], { MEHDB_CONFIG: configFile('{"mehdb": '), MEHDB_PRESET: 'prod' });
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'MEHDB_PRESET: "prod" is not allowed. Fix: use one of "default", "tutorial"',
      expect.stringMatching(/^MEHDB_CONFIG: ".*config\.json" is not a JSON object \(.*\)\. Fix: write an object such as /),
    ]);
    expect(snapshot(out)).toEqual(before);
  });

  test('a policy error: the full report on stderr, nothing on stdout, exit 1, the output folder untouched', () => {
    const out = previousOutput();
    const before = snapshot(out);
    const result = synth(['--output', out], { MEHDB_CONFIG: configFile('{"mehdb": {"hardened": false}}') });
    expect(result.status).toBe(1);
    for (const rule of ['run-as-non-root', 'read-only-root-filesystem', 'no-privilege-escalation', 'drop-all-capabilities', 'seccomp-profile']) {
      expect(result.stderr).toContain(`error ${rule}: StatefulSet/mehdb/mehdb (construct namespaced/Mehdb/StatefulSet)`);
    }
    expect(result.stderr.trimEnd().split('\n').pop()).toBe(`policy: 5 errors, 0 warnings, 3 declared exceptions: synth refused, ${out} unchanged`);
    expect(result.stderr).not.toMatch(ANSI);
    expect(result.stdout).toBe('');
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(dirname(out))).toEqual(['out']);
  });

  test('a crash (a bug, not bad input) keeps its stack, source-mapped to lib/*.ts', () => {
    const result = run(process.execPath, [join(ROOT, 'scripts', 'run-ts.js'), 'test/fixtures/crash-app.ts']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Error: cannot find a parent chart/);
    expect(result.stderr).toMatch(/^\s+at .*[/\\]lib[/\\]nfs-provisioner[/\\]nfs-provisioner-schema\.ts:\d+:\d+\)?$/m);
  });

  test('a command line it cannot run: the reason and the usage, exit 2', () => {
    const result = synth(['--no-such-option']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^synth: unknown argument "--no-such-option"\nusage: npm run synth/);
  });
});

test('success replaces the output folder with exactly the new manifests', () => {
  const out = previousOutput();
  const result = synth(['--output', out]);
  expect(result.status).toBe(0);
  expect(readdirSync(out).sort()).toEqual(['0000-cluster-scoped.k8s.yaml', '0001-namespaced.k8s.yaml']);
  expect(snapshot(out)).toEqual(snapshot(join(ROOT, 'dist')));
  expect(readdirSync(dirname(out))).toEqual(['out']);
});
