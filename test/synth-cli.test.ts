// `npm run synth` (scripts/synth.js around the cdk8s CLI) on bad input, on a crash and on success:
// what it prints, its exit code, and that the output folder changes only on success.
import { spawnSync } from 'child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';

const ROOT = resolve(__dirname, '..');
jest.setTimeout(120_000);

/** A folder holding a copy of dist/ plus a marker file, as the output folder of a synth. */
function previousOutput(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'mehdb-synth-cli-')), 'out');
  cpSync(join(ROOT, 'dist'), dir, { recursive: true });
  writeFileSync(join(dir, 'marker.txt'), 'from an earlier synth\n');
  return dir;
}
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map(f => [f, readFileSync(join(dir, f), 'utf8')]));

function synth(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'synth.js'), ...args],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MEHDB_PRESET: '', MEHDB_CONFIG: '', ...env } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function configFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mehdb-config-')), 'config.json');
  writeFileSync(file, content);
  return file;
}

const STACK_LINE = /^\s+at /m;

test('a config with several problems: every problem on its own clean line, exit 1, the output folder untouched', () => {
  const out = previousOutput();
  const before = snapshot(out);
  const file = configFile(JSON.stringify({
    mehdb: { replica: 3, storageSize: '1 gigabyte', replicas: 0, hardened: 'yes' },
    storage: { image: 'registry.k8s.io/sig-storage/nfs-provisioner:latest' },
  }));
  const run = synth(['--output', out], { MEHDB_CONFIG: file });
  expect(run.status).toBe(1);
  expect(run.stderr.trimEnd().split('\n')).toEqual([
    expect.stringMatching(/^storage\.image: .* is not pinned .*\. Fix: /),
    'mehdb.replicas: 0 is not an integer from 1 to 1000. Fix: set an integer from 1 to 1000',
    expect.stringMatching(/^mehdb\.storageSize: "1 gigabyte" is not a positive Kubernetes quantity\. Fix: /),
    'mehdb.hardened: "yes" is not true or false. Fix: write true or false',
    expect.stringMatching(/^mehdb\.replica: is not a setting\. Fix: did you mean `replicas`\? Else remove it \(the settings here: name, replicas, /),
  ]);
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.stdout).toBe('');
  expect(snapshot(out)).toEqual(before);
  expect(readdirSync(dirname(out))).toEqual(['out']);
});

test('broken JSON and an unknown preset: both reported cleanly, exit 1, the output folder untouched', () => {
  const out = previousOutput();
  const before = snapshot(out);
  const run = synth(['--output', out], { MEHDB_CONFIG: configFile('{"mehdb": '), MEHDB_PRESET: 'prod' });
  expect(run.status).toBe(1);
  expect(run.stderr.trimEnd().split('\n')).toEqual([
    'MEHDB_PRESET: "prod" is not allowed. Fix: use one of "default", "tutorial"',
    expect.stringMatching(/^MEHDB_CONFIG: ".*config\.json" is not a JSON object \(.*\)\. Fix: write an object such as /),
  ]);
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(snapshot(out)).toEqual(before);
});

test('a crash (a bug, not bad input) keeps its stack, source-mapped to lib/*.ts; exit 1, the output folder untouched', () => {
  const out = previousOutput();
  const before = snapshot(out);
  const run = synth(['--output', out, '--app', 'node scripts/run-ts.js test/fixtures/crash-app.ts']);
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/Error: cannot find a parent chart/);
  expect(run.stderr).toMatch(/^\s+at .*[/\\]lib[/\\]nfs-provisioner[/\\]nfs-provisioner-schema\.ts:\d+:\d+\)?$/m);
  expect(snapshot(out)).toEqual(before);
  expect(readdirSync(dirname(out))).toEqual(['out']);
});

test('success replaces the output folder with exactly the new manifests, and lists them under its own name', () => {
  const out = previousOutput();
  const run = synth(['--output', out]);
  expect(run.status).toBe(0);
  expect(readdirSync(out).sort()).toEqual(['0000-cluster-scoped.k8s.yaml', '0001-namespaced.k8s.yaml']);
  expect(snapshot(out)).toEqual(snapshot(join(ROOT, 'dist')));
  expect(run.stdout).toContain(`${out}/0001-namespaced.k8s.yaml`);
  expect(readdirSync(dirname(out))).toEqual(['out']);
});
