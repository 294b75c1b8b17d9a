// `npm run policy:report` (scripts/policy-report.js): the full policy report on the manifests of
// the current config, the project's rules and kube-score's checks, without writing any manifest.
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import { buildApp } from '../app';
import { ConfigEnvironment, loadConfig, outputSettings, problemsOf, processEnvironment } from '../config';
import { appEntries } from '../policy/app-entries';
import { evaluatePolicy, PolicyFinding } from '../policy/evaluate';
import { KUBE_SCORE_VERSION, kubeScoreBinary, kubeScoreFindings, kubeScorePolicyFindings } from '../policy/kube-score';
import { countFindings, formatPolicyReport, policySummaryLine } from '../policy/report';
import { SynthIo } from './run';

export const POLICY_REPORT_USAGE = `usage: npm run policy:report [-- --no-kube-score]
Every policy finding on the manifests of the config (MEHDB_PRESET, MEHDB_CONFIG), with its fix:
the project's rules (lib/policy/rules.ts; synth checks these) and kube-score ${KUBE_SCORE_VERSION}
(scripts/go-tool.sh builds it once, with Go). Writes no manifest. Exit 1 when there are errors.
  --no-kube-score   the project's rules only
`;

/** Runs the report; returns the exit code (1 on errors or bad input, 2 on a bad command line). */
export function policyReportCommand(argv: readonly string[], projectRoot: string,
  io: SynthIo = { stdout: process.stdout, stderr: process.stderr }, env: ConfigEnvironment = processEnvironment()): number {
  const unknown = argv.filter(a => !['--no-kube-score', '--help', '-h'].includes(a));
  if (unknown.length > 0) {
    io.stderr.write(`policy:report: unknown argument ${JSON.stringify(unknown[0])}\n${POLICY_REPORT_USAGE}`);
    return 2;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(POLICY_REPORT_USAGE);
    return 0;
  }
  const withKubeScore = !argv.includes('--no-kube-score');
  const out = mkdtempSync(join(tmpdir(), 'mehdb-policy-report-'));
  try {
    const config = loadConfig(env);
    const warnOnly = config.preset === 'tutorial';
    const { app } = buildApp(config, out);
    app.synth();
    const entries = appEntries(app, '');
    const findings: PolicyFinding[] = evaluatePolicy(entries, { warnOnly });
    if (withKubeScore) {
      const files = readdirSync(out).filter(f => f.endsWith('.yaml')).sort().map(f => join(out, f));
      const found = kubeScoreFindings(kubeScoreBinary(projectRoot), files, { ignoreAnnotations: false });
      findings.push(...kubeScorePolicyFindings(found, entries, warnOnly, basename));
    }
    const style = { color: outputSettings(env).colorAllowed && io.stdout.isTTY === true };
    const source = env.MEHDB_CONFIG ? `, MEHDB_CONFIG ${env.MEHDB_CONFIG}` : '';
    io.stdout.write(`policy report: preset ${config.preset}${source}; ${warnOnly ? 'violations are warnings (the course as it is)' : 'errors fail synth'}; `
      + `${withKubeScore ? `the project's rules and kube-score ${KUBE_SCORE_VERSION}` : 'the project\'s rules only (--no-kube-score)'}\n\n`);
    io.stdout.write(formatPolicyReport(findings, style));
    const counts = countFindings(findings);
    const note = withKubeScore ? ' (kube-score included; synth checks the project\'s rules)' : ' (the project\'s rules)';
    io.stdout.write(`${findings.length ? '\n' : ''}${policySummaryLine(counts, note, style)}\n`);
    return counts.errors > 0 ? 1 : 0;
  } catch (e) {
    const problems = problemsOf(e);
    io.stderr.write(problems ? problems.map(p => `${p}\n`).join('') : `policy:report: ${(e as Error).message}\n`);
    return 1;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
