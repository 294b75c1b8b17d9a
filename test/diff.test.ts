// `npm run diff` (scripts/diff.sh): the per-object semantic diff of the manifests with dyff.
// Runs when dyff is already built (scripts/go-tool.sh --cached dyff); building it needs Go and the
// module proxy, which the workflow's diff step has and a plain `npm test` need not.
import { spawnSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const ROOT = resolve(__dirname, '..');
const dyffCached = spawnSync('bash', [join(ROOT, 'scripts', 'go-tool.sh'), '--cached', 'dyff'], { encoding: 'utf8' }).status === 0;
const hasHead = spawnSync('git', ['rev-parse', '--verify', 'HEAD'], { cwd: ROOT }).status === 0;
const describeIfDyff = dyffCached && hasHead ? describe : describe.skip;
if (!dyffCached) console.warn('npm run diff tests skipped: dyff is not built (bash scripts/go-tool.sh dyff)');
jest.setTimeout(120_000);

function diff(args: string[]) {
  const run = spawnSync('bash', [join(ROOT, 'scripts', 'diff.sh'), ...args],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MEHDB_PRESET: '', MEHDB_CONFIG: '' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describeIfDyff('npm run diff -- <git-ref>', () => {
  test('the committed dist/ against the same objects in one file, reordered: no differences', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mehdb-diff-'));
    const files = spawnSync('git', ['ls-tree', '--name-only', 'HEAD', 'dist/'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim().split('\n');
    const docs = files.map(f => spawnSync('git', ['show', `HEAD:${f}`], { cwd: ROOT, encoding: 'utf8' }).stdout);
    writeFileSync(join(dir, 'all.yaml'), docs.reverse().join('---\n'));
    const run = diff(['HEAD', '--to', dir]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^manifests: \w+ \(HEAD\) -> .*: no differences\n$/);
  });

  test('another preset\'s manifests: each change is reported under its object', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mehdb-diff-')), 'tutorial');
    const synth = spawnSync(process.execPath, [join(ROOT, 'scripts', 'synth.js'), '--output', out],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MEHDB_PRESET: 'tutorial', MEHDB_CONFIG: '' } });
    expect(synth.status).toBe(0);
    const run = diff(['HEAD', '--to', out]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/differences below/);
    expect(run.stdout).toMatch(/^provisioner {2}\(storage\.k8s\.io\/v1\/StorageClass\/nfs-dynamic\)$/m);
    expect(run.stdout).toMatch(/^ {4}- mehdb\.local\/nfs\n {4}\+ example\.com\/nfs$/m);
    const markdown = diff(['HEAD', '--to', out, '--markdown']);
    expect(markdown.stdout).toMatch(/^### Manifests: \w+ \(HEAD\) → .*\n/);
    expect(markdown.stdout).toContain('```text\n');
    expect(markdown.stdout).not.toMatch(/\x1b\[/);
  });

  test('an unknown ref is an error', () => {
    const run = diff(['no-such-ref-here']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/not a commit here: no-such-ref-here/);
  });
});
