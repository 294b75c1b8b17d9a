// `cdk8s synth`, the real CLI (cdk8s-cli from node_modules), in a fresh copy of the project with
// its own git repository, as a user's clone: a failing synth leaves dist/ as it was, --stdout
// writes only YAML, a plain synth leaves git status clean, and a changed source is never served
// from a stale bundle. (kubectl apply --dry-run=client needs an API server for its REST mapping,
// so the stream is checked by parsing it as YAML.)
import { execFileSync, spawnSync } from 'child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(__dirname, '..');
const CDK8S = join(ROOT, 'node_modules', '.bin', 'cdk8s');
const POLICY_LINE = 'policy: 0 errors, 0 warnings, 3 declared exceptions (npm run policy:report)';
jest.setTimeout(180_000);

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: dir, encoding: 'utf8' });

/** A copy of what the app is made of, dist/ as `npm run synth` writes it, committed in a new repository. */
function projectCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mehdb-cdk8s-cli-'));
  for (const path of ['main.ts', 'lib', 'imports', 'image/mehdb-image.json', 'scripts', 'cdk8s.yaml', 'package.json', 'tsconfig.json', '.gitignore']) {
    cpSync(join(ROOT, path), join(dir, path), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const synth = spawnSync(process.execPath, ['scripts/synth.js'], { cwd: dir, encoding: 'utf8', env: userEnv({}) });
  if (synth.status !== 0) throw new Error(`synth of the copy failed: ${synth.stderr}`);
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'a clone');
  return dir;
}

function userEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const name of ['MEHDB_PRESET', 'MEHDB_CONFIG', 'MEHDB_VERBOSE', 'NO_COLOR', 'CDK8S_OUTDIR']) delete base[name];
  return { ...base, ...env };
}

/** `cdk8s synth ...` in the copy; --no-check-upgrade keeps the registry out of the test. */
function cdk8s(dir: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(CDK8S, ['synth', '--no-check-upgrade', ...args], { cwd: dir, encoding: 'utf8', env: userEnv(env) });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
const gitStatus = (dir: string) => git(dir, 'status', '--porcelain', '--untracked-files=all');
const objectsOf = (text: string) => parseAllDocuments(text).map(d => d.toJS());

describe('cdk8s synth in a clone', () => {
  let dir: string;
  beforeAll(() => { dir = projectCopy(); });
  afterEach(() => expect(gitStatus(dir)).toBe(''));

  test('a bad MEHDB_CONFIG fails with the problem and leaves dist/ as it was (git status clean)', () => {
    writeFileSync(join(tmpdir(), 'mehdb-bad-config.json'), '{"mehdb": {"replicas": 0}}');
    const run = cdk8s(dir, [], { MEHDB_CONFIG: join(tmpdir(), 'mehdb-bad-config.json') });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('mehdb.replicas: 0 is not an integer from 1 to 1000. Fix: set an integer from 1 to 1000');
  });

  test('a policy error fails with the report and leaves dist/ as it was', () => {
    writeFileSync(join(tmpdir(), 'mehdb-unhardened.json'), '{"mehdb": {"hardened": false}}');
    const run = cdk8s(dir, [], { MEHDB_CONFIG: join(tmpdir(), 'mehdb-unhardened.json') });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('error run-as-non-root: StatefulSet/mehdb/mehdb');
    expect(run.stderr).toContain('policy: 5 errors, 0 warnings, 3 declared exceptions: synth refused, dist unchanged');
  });

  test('--stdout writes only YAML to stdout, the objects of dist/ in order; the policy line on stderr; dist/ stays', () => {
    const run = cdk8s(dir, ['--stdout']);
    expect(run.status).toBe(0);
    expect(parseAllDocuments(run.stdout).flatMap(d => d.errors)).toEqual([]);
    const fromDist = readdirSync(join(dir, 'dist')).sort().flatMap(f => objectsOf(readFileSync(join(dir, 'dist', f), 'utf8')));
    expect(objectsOf(run.stdout)).toEqual(fromDist);
    expect(run.stderr).toBe(`${POLICY_LINE}\n`);
  });

  test('a plain synth writes dist/ (unchanged, so git status stays clean) and the CLI lists its copies', () => {
    const run = cdk8s(dir, []);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(`synth: wrote dist/ (0000-cluster-scoped.k8s.yaml, 0001-namespaced.k8s.yaml)\n${POLICY_LINE}\n`);
    expect(run.stdout).toBe('Synthesizing application\n  - .build/cdk8s-cli-out/0000-cluster-scoped.k8s.yaml\n  - .build/cdk8s-cli-out/0001-namespaced.k8s.yaml\n');
  });

  test('a changed source is built again before the next synth (no stale bundle)', () => {
    const recordFile = join(dir, 'image', 'mehdb-image.json');
    const record = readFileSync(recordFile, 'utf8');
    const digest = `sha256:${'e'.repeat(64)}`;
    const changed = JSON.parse(record);
    writeFileSync(recordFile, JSON.stringify({ ...changed, digest, reference: `${changed.repository}:${changed.tag}@${digest}` }));
    try {
      const run = cdk8s(dir, ['--stdout']);
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`image: ${changed.repository}:${changed.tag}@${digest}`);
    } finally {
      writeFileSync(recordFile, record);
    }
  });
});
