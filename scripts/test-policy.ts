// npm run test:policy (node scripts/run-ts.js scripts/test-policy.ts): kube-score v1.20.0 (scripts/go-tool.sh builds it when missing) on the
// committed dist/ and on every config variant the tests use (test/fixtures/config-variants.ts).
// Fails on any finding, except:
// - checks ignored by a `kube-score/ignore` annotation, allowed only on the provisioner's objects
//   (label app.kubernetes.io/component=storage), at most 3 checks, each explained in the README;
// - in the tutorial variants, the course's known departures listed in
//   scripts/kube-score-tutorial-departures.txt (the tutorial preset reproduces the course as it is).
// Prints kube-score's counts per variant, with and without the ignore annotations.
import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { KUBE_SCORE_VERSION, kubeScoreBinary, KubeScoreFinding, kubeScoreFindings } from '../lib/policy/kube-score';

// Run by scripts/run-ts.js from the project root (bundled into .build/, so __dirname is not scripts/).
const root = process.cwd();
const scripts = path.join(root, 'scripts');
const MAX_IGNORED_CHECKS = 3;
const DEPARTURES_FILE = path.join(scripts, 'kube-score-tutorial-departures.txt');

const key = (f: KubeScoreFinding) => `${f.kind}/${f.name} ${f.check}: ${f.message}`;
const manifests = (dir: string) => readdirSync(dir).filter(f => f.endsWith('.yaml')).sort().map(f => path.join(dir, f));
const count = (findings: KubeScoreFinding[], grade: string) => findings.filter(f => f.grade === grade).length;

function synthVariants(): Record<string, string> {
  const out = mkdtempSync(path.join(tmpdir(), 'mehdb-policy-'));
  const run = spawnSync(process.execPath, [path.join(scripts, 'run-ts.js'), 'scripts/synth-variants.ts', out], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`synth of the config variants failed:\n${run.stderr}`);
  return Object.fromEntries(readdirSync(out).sort().map(name => [name, path.join(out, name)]));
}

/** Problems with the ignore annotations: only on the provisioner's objects, few, each explained. */
function checkIgnoreAnnotations(variant: string, files: string[], readme: string): string[] {
  const problems: string[] = [];
  const objects = files.flatMap(f => parseAllDocuments(readFileSync(f, 'utf8')).map(d => d.toJS()).filter(Boolean));
  const ignored = new Set<string>();
  for (const o of objects) {
    const value = o.metadata?.annotations?.['kube-score/ignore'];
    if (value === undefined) continue;
    if (o.metadata.labels?.['app.kubernetes.io/component'] !== 'storage') {
      problems.push(`${variant}: ${o.kind}/${o.metadata.name} has a kube-score/ignore annotation; only the provisioner's objects may`);
    }
    for (const check of String(value).split(',').map(c => c.trim())) {
      ignored.add(check);
      if (!readme.includes(`\`${check}\``)) problems.push(`${variant}: ignored check ${check} is not explained in README.md`);
    }
  }
  if (ignored.size > MAX_IGNORED_CHECKS) problems.push(`${variant}: ${ignored.size} checks ignored (${[...ignored].join(', ')}); at most ${MAX_IGNORED_CHECKS}`);
  return problems;
}

function main() {
  const bin = kubeScoreBinary(root);
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const departures = new Set(readFileSync(DEPARTURES_FILE, 'utf8').split('\n').filter(l => l.trim() && !l.startsWith('#')));
  const variants: Record<string, string> = { 'dist/ (default, committed)': path.join(root, 'dist'), ...synthVariants() };
  const failures: string[] = [];
  const seenDepartures = new Set<string>();
  console.log(`kube-score ${KUBE_SCORE_VERSION} (${bin})`);
  console.log(`${'variant'.padEnd(28)} ${'CRITICAL'.padStart(8)} ${'WARNING'.padStart(8)}   without ignore annotations`);
  for (const [variant, dir] of Object.entries(variants)) {
    const files = manifests(dir);
    const findings = kubeScoreFindings(bin, files);
    const raw = kubeScoreFindings(bin, files, { ignoreAnnotations: false });
    const tutorial = variant.startsWith('tutorial');
    console.log(`${variant.padEnd(28)} ${String(count(findings, 'CRITICAL')).padStart(8)} ${String(count(findings, 'WARNING')).padStart(8)}   `
      + `${count(raw, 'CRITICAL')} CRITICAL, ${count(raw, 'WARNING')} WARNING${tutorial ? '   (tutorial: the course\'s known departures)' : ''}`);
    for (const f of findings) {
      if (tutorial && departures.has(key(f))) { seenDepartures.add(key(f)); continue; }
      failures.push(`${variant}: [${f.grade}] ${key(f)}${f.description ? ` -- ${f.description}` : ''}`);
    }
    failures.push(...checkIgnoreAnnotations(variant, files, readme));
  }
  const stale = [...departures].filter(d => !seenDepartures.has(d));
  if (stale.length) console.log(`\nlisted departures no longer reported (remove them from ${path.relative(root, DEPARTURES_FILE)}):\n  ${stale.join('\n  ')}`);
  if (failures.length) {
    console.error(`\ntest:policy FAILED, ${failures.length} finding(s) neither an explained ignore nor a listed departure:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`\ntest:policy passed: 0 findings outside the explained ignores; the tutorial variants show only the ${departures.size} listed departures`);
}

main();
