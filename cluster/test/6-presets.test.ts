/**
 * Every other output of the app against the real API server: the tutorial preset and every
 * config variant of the tests must pass `kubectl apply --dry-run=server` (validation,
 * defaulting and admission, without persisting), those with failover with their leader-election
 * RBAC, the tutorial preset without (mehdb-0 leads, as before). Their images are not loaded on
 * the nodes, so they are not run.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_DIR, kubectl, run } from './harness';

const work = mkdtempSync(join(tmpdir(), 'mehdb-presets-'));
/**
 * Namespaces made for the dry runs, removed at the end; waited for, since a terminating one
 * takes no objects and the later files apply dist/ into `mehdb` again.
 */
const created: string[] = [];
after(async () => {
  rmSync(work, { recursive: true, force: true });
  for (const ns of created) await kubectl('delete', 'namespace', ns, '--wait=false');
  for (const ns of created) await kubectl('delete', 'namespace', ns, '--ignore-not-found', '--wait=true', '--timeout=180s');
});

/** True when the manifests of `dir` run the datastore with MEHDB_FAILOVER=lease. */
function failoverOn(dir: string): boolean {
  return readdirSync(dir).filter((f) => f.endsWith('.yaml'))
    .some((f) => /- name: MEHDB_FAILOVER\n\s+value: lease\n/.test(readFileSync(join(dir, f), 'utf8')));
}

/** The leader-election Role of the datastore in a dry run's output (`<statefulset>-leader-election`). */
const LEADER_ELECTION_ROLE = /^role\.rbac\.authorization\.k8s\.io\/\S+-leader-election (created|configured|unchanged) \(server dry run\)$/m;

/** The namespaces the manifests of `dir` put objects in. */
function namespacesOf(dir: string): string[] {
  const found = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/^ {2}namespace: (\S+)$/gm)) found.add(m[1]);
  }
  return [...found];
}

/** Server-side dry run of a folder; namespaces it only creates itself are made first. */
async function dryRun(dir: string): Promise<string> {
  for (const ns of namespacesOf(dir)) {
    try { await kubectl('get', 'namespace', ns); } catch { await kubectl('create', 'namespace', ns); created.push(ns); }
  }
  return kubectl('apply', '--dry-run=server', '-f', dir);
}

test('the tutorial preset passes kubectl apply --dry-run=server', async () => {
  const out = join(work, 'tutorial');
  await run('env', ['MEHDB_PRESET=tutorial', 'npm', 'run', '--silent', '--prefix', REPO_DIR, 'synth', '--', '--output', out], 120_000)
    .catch((err) => { throw new Error(`MEHDB_PRESET=tutorial npm run synth failed: ${err}`); });
  const output = await dryRun(out);
  assert.match(output, /statefulset\.apps\/mehdb created \(server dry run\)/);
  assert.equal(failoverOn(out), false, 'the tutorial preset runs without election (mehdb-0 leads)');
  assert.doesNotMatch(output, LEADER_ELECTION_ROLE);
});

test('every config variant of the app\'s tests passes kubectl apply --dry-run=server', async () => {
  const out = join(work, 'variants');
  await run('npm', ['run', '--silent', '--prefix', REPO_DIR, 'synth:variants', '--', out], 180_000);
  const variants = readdirSync(out);
  assert.ok(variants.length >= 2, `variants: ${variants.join(', ')}`);
  const withFailover: string[] = [];
  for (const v of variants) {
    const output = await dryRun(join(out, v));
    assert.match(output, /\(server dry run\)/, v);
    if (failoverOn(join(out, v))) withFailover.push(v);
    assert.equal(LEADER_ELECTION_ROLE.test(output), failoverOn(join(out, v)), `${v}: a leader-election Role exactly when failover is on`);
  }
  console.log(`variants with failover: ${withFailover.join(', ')}`);
  assert.ok(withFailover.includes('default') && !withFailover.includes('tutorial'), `with failover: ${withFailover.join(', ')}`);
});
