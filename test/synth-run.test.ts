// The synth in process (lib/synth/): its command line, where `cdk8s synth`'s folders lead, colour,
// a crash, and the folder swap. The real commands are in synth-cli.test.ts and cdk8s-cli.test.ts.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { parseSynthArgs, UsageError } from '../lib/synth/args';
import { cliTarget, synthCommand } from '../lib/synth/commands';
import { policyReportCommand } from '../lib/synth/policy-report';
import { publishFolder, stagingFolder, yamlStream } from '../lib/synth/output';
import { OutStream, runSynth, SynthJob } from '../lib/synth/run';

const ROOT = resolve(__dirname, '..');
const ANSI = /\u001b\[/;
const tempDir = () => mkdtempSync(join(tmpdir(), 'mehdb-synth-run-'));

/** A stream that records what is written; a terminal or not. */
function recorder(isTTY: boolean): OutStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}
const io = (isTTY = false) => ({ stdout: recorder(isTTY), stderr: recorder(isTTY) });

function previousOutput(): string {
  const dir = join(tempDir(), 'out');
  cpSync(join(ROOT, 'dist'), dir, { recursive: true });
  return dir;
}
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map(f => [f, readFileSync(join(dir, f), 'utf8')]));

describe('the command line', () => {
  test('defaults: the project folder, quiet, plain manifests', () => {
    expect(parseSynthArgs([], 'dist')).toEqual({ output: 'dist', stdout: false, verbose: false, format: 'plain' });
    expect(parseSynthArgs(['-o', 'x', '-v'], 'dist')).toMatchObject({ output: 'x', verbose: true });
    expect(parseSynthArgs(['--output=x'], 'dist')).toMatchObject({ output: 'x' });
    expect(parseSynthArgs(['-p'], 'dist')).toMatchObject({ output: undefined, stdout: true });
    expect(parseSynthArgs(['--format', 'helm', '--chart-version', '1.2.3'], 'dist')).toMatchObject({ format: 'helm', chartVersion: '1.2.3', chartApiVersion: 'v2' });
    expect(parseSynthArgs(['-h'], 'dist')).toBe('help');
  });

  test.each([
    [['--bogus'], 'unknown argument "--bogus"'],
    [['--output'], '--output needs a value'],
    [['-o', 'a', '-o', 'b'], '-o is given twice'],
    [['--stdout', '--output', 'x'], '--output and --stdout exclude each other'],
    [['--format', 'json'], '--format json: use plain or helm'],
    [['--format', 'helm'], '--format helm needs --chart-version'],
    [['--chart-version', '1.0.0'], '--chart-version and --chart-api-version need --format helm'],
    [['--format', 'helm', '--chart-version', 'one'], '--chart-version one is not a semantic version (e.g. 1.2.3)'],
    [['--stdout', '--format', 'helm', '--chart-version', '1.0.0'], 'a Helm chart is a folder: use --output, not --stdout'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseSynthArgs(argv, 'dist')).toThrow(new UsageError(message));
  });
});

describe('where `cdk8s synth` (CDK8S_OUTDIR) leads', () => {
  const cwd = '/project';
  test('cdk8s.yaml\'s scratch folder: dist/, with links for the CLI to list', () => {
    expect(cliTarget('.build/cdk8s-cli-out', cwd, '/tmp')).toEqual({ kind: 'folder', dir: '/project/dist', shown: 'dist', cliCopy: '/project/.build/cdk8s-cli-out' });
    expect(readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8')).toMatch(/^output: \.build\/cdk8s-cli-out$/m);
  });
  test('the temporary folder of --stdout: one YAML stream in one file', () => {
    expect(cliTarget('/tmp/cdk8s-a1B2c3', cwd, '/tmp')).toEqual({ kind: 'stream-file', file: '/tmp/cdk8s-a1B2c3/manifests.k8s.yaml' });
  });
  test('-o DIR: that folder; no CDK8S_OUTDIR (the app run alone): dist/', () => {
    expect(cliTarget('out', cwd, '/tmp')).toEqual({ kind: 'folder', dir: '/project/out', shown: 'out' });
    expect(cliTarget('/tmp/cdk8s-other-name', cwd, '/tmp')).toMatchObject({ kind: 'folder' });
    expect(cliTarget(undefined, cwd, '/tmp')).toEqual({ kind: 'folder', dir: '/project/dist', shown: 'dist' });
  });
});

describe('colour', () => {
  const verbose = (env: Record<string, string>, isTTY: boolean) => {
    const streams = io(isTTY);
    expect(synthCommand(['--verbose', '--output', join(tempDir(), 'out')], streams, env)).toBe(0);
    return streams.stdout.text();
  };
  test('on a terminal: the report\'s severities are coloured', () => {
    expect(verbose({}, true)).toContain('\u001b[36mdeclared exception\u001b[0m');
  });
  test('not on a terminal, and never with NO_COLOR', () => {
    expect(verbose({}, false)).not.toMatch(ANSI);
    expect(verbose({ NO_COLOR: '1' }, true)).not.toMatch(ANSI);
    expect(verbose({ NO_COLOR: '1' }, true)).toContain('declared exception run-as-non-root');
  });
});

describe('a crash and the folder swap', () => {
  const job = (dir: string): SynthJob => ({
    target: { kind: 'folder', dir, shown: dir }, format: 'plain', verbose: false, messages: 'stdout', colorAllowed: false, env: {},
  });

  test('an exception that is not bad input: its stack, exit 1, the output folder untouched and no staging folder left', () => {
    const out = previousOutput();
    const before = snapshot(out);
    const streams = io();
    const status = runSynth(job(out), streams, () => { throw new TypeError('a bug'); });
    expect(status).toBe(1);
    expect(streams.stderr.text()).toMatch(/^TypeError: a bug\n\s+at /);
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(resolve(out, '..'))).toEqual(['out']);
  });

  test('an output folder that cannot be made: one line naming the reason, exit 1', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const streams = io();
    expect(synthCommand(['--output', join(file, 'out')], streams, {})).toBe(1);
    expect(streams.stderr.text()).toMatch(/^synth: EEXIST: file already exists, mkdir '.*a-file'\n$/);
  });

  test('the swap puts the old folder back when the new one cannot take its place', () => {
    const parent = tempDir();
    const target = join(parent, 'out');
    mkdirSync(target);
    writeFileSync(join(target, 'old.yaml'), 'old\n');
    expect(() => publishFolder(join(parent, 'no-such-staging-folder'), target)).toThrow(/ENOENT/);
    expect(snapshot(target)).toEqual({ 'old.yaml': 'old\n' });
  });

  test('a staging folder sits beside its target, hidden and with the usual permissions', () => {
    const parent = tempDir();
    const staging = stagingFolder(join(parent, 'dist'));
    expect(staging).toMatch(/[/\\]\.dist\.synth-[0-9a-f]{12}$/);
    mkdirSync(join(parent, 'made-by-mkdir'));
    expect(statSync(staging).mode).toBe(statSync(join(parent, 'made-by-mkdir')).mode);
  });

  test('a YAML stream puts `---` between files, also after a file without a final newline', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '0001-b.k8s.yaml'), 'b: 1\n');
    writeFileSync(join(dir, '0000-a.k8s.yaml'), 'a: 1');
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    expect(yamlStream(dir)).toBe('a: 1\n---\nb: 1\n');
  });
});

describe('npm run policy:report (the project\'s rules; kube-score needs its binary, npm run test:policy covers it)', () => {
  const report = (argv: string[], env: Record<string, string> = {}) => {
    const streams = io();
    const status = policyReportCommand(argv, ROOT, streams, env);
    return { status, stdout: streams.stdout.text(), stderr: streams.stderr.text() };
  };

  test('every finding with its reason or fix, then the counts; writes no manifest', () => {
    const run = report(['--no-kube-score']);
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('policy report: preset default; errors fail synth; the project\'s rules only (--no-kube-score)');
    expect(run.stdout).toContain('declared exception image-digest: Deployment/mehdb/nfs-provisioner (construct namespaced/Storage/Deployment)');
    expect(lines[lines.length - 1]).toBe('policy: 0 errors, 0 warnings, 3 declared exceptions (the project\'s rules)');
  });

  test('errors make it exit 1; an unknown argument exits 2 with the usage', () => {
    const config = join(tempDir(), 'unhardened.json');
    writeFileSync(config, '{"mehdb": {"hardened": false}}');
    expect(report(['--no-kube-score'], { MEHDB_CONFIG: config }).status).toBe(1);
    const bad = report(['--bogus']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^policy:report: unknown argument "--bogus"\nusage: npm run policy:report/);
  });
});
