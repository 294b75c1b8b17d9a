/**
 * Every other output of the app against the real API server: the tutorial preset and every
 * config variant of the tests must pass `kubectl apply --dry-run=server` (validation,
 * defaulting and admission, without persisting). Their images are not loaded on the nodes, so
 * they are not run.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_DIR, kubectl, run } from './harness';

const work = mkdtempSync(join(tmpdir(), 'mehdb-presets-'));
/** Namespaces made for the dry runs, removed at the end (a terminating one takes no objects). */
const created: string[] = [];
after(async () => {
  rmSync(work, { recursive: true, force: true });
  for (const ns of created) await kubectl('delete', 'namespace', ns, '--wait=false');
});

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
  assert.match(await dryRun(out), /statefulset\.apps\/mehdb created \(server dry run\)/);
});

test('every config variant of the app\'s tests passes kubectl apply --dry-run=server', async () => {
  const out = join(work, 'variants');
  await run('npm', ['run', '--silent', '--prefix', REPO_DIR, 'synth:variants', '--', out], 180_000);
  const variants = readdirSync(out);
  assert.ok(variants.length >= 2, `variants: ${variants.join(', ')}`);
  for (const v of variants) {
    assert.match(await dryRun(join(out, v)), /\(server dry run\)/, v);
  }
});
