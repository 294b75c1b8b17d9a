// The hardening policy (lib/policy/): each rule, declared exceptions, kube-score's findings as
// policy findings, and the report synth prints. The synth runs are in synth-cli.test.ts.
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { App, Chart } from 'cdk8s';
import { k8s } from '../imports';
import { buildApp } from '../lib/app';
import { appEntries } from '../lib/policy/app-entries';
import { evaluatePolicy, PolicyFinding } from '../lib/policy/evaluate';
import { declarePolicyExceptions } from '../lib/policy/exceptions';
import { SeccompProfile } from '../lib';
import { KUBE_SCORE_VERSION, KubeScoreFinding, kubeScorePolicyFindings } from '../lib/policy/kube-score';
import { countFindings, formatPolicyReport, policySummaryLine } from '../lib/policy/report';
import { POLICY_RULE_IDS, PolicyRuleId } from '../lib/policy/rule-ids';
import { AppConfig } from '../lib/config';
import { CONFIG_VARIANTS, PRODUCTION_OVERRIDES } from './fixtures/config-variants';
import { presetConfig } from './support/synth';

const ROOT = resolve(__dirname, '..');
const tempDir = () => mkdtempSync(join(tmpdir(), 'mehdb-policy-'));
const ANSI = /\u001b\[/;

/** The policy's findings on a synthesized app, as synth evaluates them. */
function check(app: App, warnOnly = false): PolicyFinding[] {
  return evaluatePolicy(appEntries(app, 'out'), { warnOnly });
}
function checkConfig(config: AppConfig, warnOnly = false): PolicyFinding[] {
  const { app } = buildApp(config, tempDir());
  app.synth();
  return check(app, warnOnly);
}
const rulesOf = (findings: PolicyFinding[], severity: string) => findings.filter(f => f.severity === severity).map(f => f.rule);
const objectsOf = (findings: PolicyFinding[]) => [...new Set(findings.map(f => `${f.object.kind}/${f.object.metadata.namespace}/${f.object.metadata.name}`))];

function synthWorkload(breakRule?: PolicyRuleId, exceptions: Record<string, string> = {}): App {
  const outdir = tempDir();
  const chart = new Chart(new App({ outdir }), 'policy', { namespace: 'p' });
  const labels = { app: 'w' };
  const container: k8s.Container = {
    name: 'w',
    image: `localhost/w:1@sha256:${'a'.repeat(64)}`,
    securityContext: {
      runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    },
    resources: {
      requests: { 'cpu': k8s.Quantity.fromString('10m'), 'memory': k8s.Quantity.fromString('8Mi'), 'ephemeral-storage': k8s.Quantity.fromString('8Mi') },
      limits: { 'cpu': k8s.Quantity.fromString('1'), 'memory': k8s.Quantity.fromString('8Mi'), 'ephemeral-storage': k8s.Quantity.fromString('8Mi') },
    },
    livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(80) } },
    readinessProbe: { httpGet: { path: '/ready', port: k8s.IntOrString.fromNumber(80) } },
  };
  const sc = container.securityContext as any;
  const breakers: Record<PolicyRuleId, () => void> = {
    'run-as-non-root': () => { sc.runAsNonRoot = undefined; },
    'read-only-root-filesystem': () => { sc.readOnlyRootFilesystem = false; },
    'no-privilege-escalation': () => { sc.allowPrivilegeEscalation = undefined; },
    'drop-all-capabilities': () => { sc.capabilities = { drop: ['NET_RAW'] }; },
    'seccomp-profile': () => { sc.seccompProfile = undefined; },
    'resources': () => { (container.resources as any).limits = undefined; },
    'probes': () => { (container as any).readinessProbe = undefined; },
    'image-digest': () => { (container as any).image = 'localhost/w:1'; },
    'pod-disruption-budget': () => {},
    'network-policy': () => {},
  };
  if (breakRule) breakers[breakRule]();
  const deployment = new k8s.KubeDeployment(chart, 'Deployment', {
    metadata: { name: 'w' },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } } },
  });
  declarePolicyExceptions(deployment, exceptions);
  if (breakRule !== 'pod-disruption-budget') {
    new k8s.KubePodDisruptionBudget(chart, 'Pdb', { metadata: { name: 'w' }, spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } } });
  }
  if (breakRule !== 'network-policy') {
    new k8s.KubeNetworkPolicy(chart, 'Np', { metadata: { name: 'w' }, spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress', 'Egress'] } });
  }
  const app = chart.node.root as App;
  app.synth();
  return app;
}

describe('the policy', () => {
  test('a workload that follows every rule passes with nothing to report', () => {
    expect(check(synthWorkload())).toEqual([]);
  });

  test.each([...POLICY_RULE_IDS])('a chart breaking %s fails, naming the rule, the object, its construct and the fix', (rule) => {
    const findings = check(synthWorkload(rule));
    expect(rulesOf(findings, 'error')).toEqual([rule]);
    const [finding] = findings;
    expect(objectsOf(findings)).toEqual(['Deployment/p/w']);
    expect(finding.constructPath).toBe('policy/Deployment');
    expect(finding.manifestPath).toBe(join('out', 'policy.k8s.yaml'));
    expect(finding.fix.length).toBeGreaterThan(10);
  });

  test('an exception declared in code turns the error into a declared exception with its reason', () => {
    const findings = check(synthWorkload('run-as-non-root', { 'run-as-non-root': 'needs root because of X' }));
    expect(rulesOf(findings, 'exception')).toEqual(['run-as-non-root']);
    expect(rulesOf(findings, 'error')).toEqual([]);
    expect(formatPolicyReport(findings, { color: false })).toContain('reason needs root because of X');
  });

  test('an exception that is not needed is a warning; one naming no rule is an error', () => {
    expect(rulesOf(check(synthWorkload(undefined, { 'probes': 'x' })), 'warning')).toEqual(['probes']);
    expect(rulesOf(check(synthWorkload(undefined, { 'no-such-rule': 'x' })), 'error')).toEqual(['no-such-rule']);
  });

  test('warnOnly (the tutorial preset) turns every violation into a warning', () => {
    const findings = check(synthWorkload('probes'), true);
    expect(rulesOf(findings, 'warning')).toEqual(['probes']);
    expect(rulesOf(findings, 'error')).toEqual([]);
  });

  test('the default preset passes with only the provisioner\'s three declared exceptions', () => {
    const findings = checkConfig(presetConfig('default'));
    expect(rulesOf(findings, 'error')).toEqual([]);
    expect(rulesOf(findings, 'warning')).toEqual([]);
    expect(rulesOf(findings, 'exception').sort()).toEqual(['image-digest', 'read-only-root-filesystem', 'run-as-non-root']);
    expect(objectsOf(findings)).toEqual(['Deployment/mehdb/nfs-provisioner']);
    expect(new Set(findings.map(f => f.constructPath))).toEqual(new Set(['namespaced/Storage/Deployment']));
    expect(new Set(findings.map(f => f.manifestPath))).toEqual(new Set([join('out', '0001-namespaced.k8s.yaml')]));
  });

  test('the production settings (and a ServiceMonitor) pass too; an Unconfined provisioner needs the seccomp exception', () => {
    const findings = checkConfig(presetConfig('default', { ...PRODUCTION_OVERRIDES, mehdb: { ...PRODUCTION_OVERRIDES.mehdb, serviceMonitor: true } }));
    expect(rulesOf(findings, 'error')).toEqual([]);
    expect(rulesOf(findings, 'warning')).toEqual([]);
    expect(rulesOf(findings, 'exception').sort()).toEqual(['image-digest', 'read-only-root-filesystem', 'run-as-non-root']);
    const unconfined = checkConfig(presetConfig('default', { storage: { seccompProfile: SeccompProfile.UNCONFINED } }));
    expect(rulesOf(unconfined, 'error')).toEqual([]);
    expect(rulesOf(unconfined, 'exception').sort()).toEqual(['image-digest', 'read-only-root-filesystem', 'run-as-non-root', 'seccomp-profile']);
  });

  test('failover with two replicas in solo mode passes with only the provisioner\'s declared exceptions', () => {
    const findings = checkConfig(CONFIG_VARIANTS['default-two-replicas-solo']);
    expect(rulesOf(findings, 'error')).toEqual([]);
    expect(rulesOf(findings, 'warning')).toEqual([]);
    expect(objectsOf(findings)).toEqual(['Deployment/mehdb/nfs-provisioner']);
  });

  test('the default preset unhardened breaks the five security rules on the StatefulSet', () => {
    const findings = checkConfig(presetConfig('default', { mehdb: { hardened: false } }));
    expect(rulesOf(findings, 'error').sort()).toEqual(['drop-all-capabilities', 'no-privilege-escalation', 'read-only-root-filesystem', 'run-as-non-root', 'seccomp-profile']);
    expect(objectsOf(findings.filter(f => f.severity === 'error'))).toEqual(['StatefulSet/mehdb/mehdb']);
  });
});

describe('the report', () => {
  const findings = check(synthWorkload('probes', { 'run-as-non-root': 'needs root because of X' }));

  test('lists errors, then warnings, then declared exceptions, each with its object, construct, manifest, location and fix', () => {
    const text = formatPolicyReport([...findings].reverse(), { color: false });
    expect(text.split('\n')).toEqual([
      'error probes: Deployment/p/w (construct policy/Deployment)',
      `  at     ${join('out', 'policy.k8s.yaml')}: spec.template.spec.containers[0].readinessProbe (container w)`,
      expect.stringMatching(/^  rule   Containers have a liveness and a readiness probe/),
      expect.stringMatching(/^  fix    add livenessProbe and readinessProbe/),
      'warning run-as-non-root: Deployment/p/w (construct policy/Deployment)',
      expect.stringMatching(/^  at     /),
      '  rule   an exception is declared, but the object follows the rule',
      '  fix    remove the exception',
      '',
    ]);
  });

  test('the summary line counts each severity, in words', () => {
    expect(policySummaryLine({ errors: 0, warnings: 0, exceptions: 5 }, ' (npm run policy:report)', { color: false }))
      .toBe('policy: 0 errors, 0 warnings, 5 declared exceptions (npm run policy:report)');
    expect(policySummaryLine(countFindings(findings), ': x', { color: false })).toBe('policy: 1 error, 1 warning, 0 declared exceptions: x');
  });

  test('colour only when asked (a terminal without NO_COLOR): severities and non-zero counts', () => {
    expect(formatPolicyReport(findings, { color: false })).not.toMatch(ANSI);
    expect(policySummaryLine(countFindings(findings), 'x', { color: false })).not.toMatch(ANSI);
    expect(formatPolicyReport(findings, { color: true })).toContain('\u001b[31merror\u001b[0m');
    expect(policySummaryLine(countFindings(findings), 'x', { color: true })).toContain('\u001b[31m1 error\u001b[0m');
  });
});

describe('kube-score\'s findings in the policy report', () => {
  const { app } = buildApp(presetConfig('default'), tempDir());
  app.synth();
  const entries = appEntries(app, 'out');
  const finding = (check: string, grade: 'CRITICAL' | 'WARNING', name = 'nfs-provisioner', kind = 'Deployment'): KubeScoreFinding =>
    ({ kind, namespace: 'mehdb', name, check, grade, message: `(c) ${check}`, description: 'why', file: '/tmp/x/0001-namespaced.k8s.yaml' });

  test('a check the object ignores (kube-score/ignore) is a declared exception on that object, with its construct', () => {
    const [f] = kubeScorePolicyFindings([finding('deployment-replicas', 'WARNING')], entries, false);
    expect(f).toMatchObject({ rule: 'kube-score deployment-replicas', severity: 'exception', constructPath: 'namespaced/Storage/Deployment' });
  });

  test('CRITICAL is an error (a warning in warn-only mode), WARNING a warning; an unknown object keeps kube-score\'s file', () => {
    const found = [finding('pod-probes', 'CRITICAL', 'mehdb', 'StatefulSet'), finding('x', 'WARNING', 'mehdb', 'StatefulSet'), finding('y', 'CRITICAL', 'gone')];
    expect(kubeScorePolicyFindings(found, entries, false).map(f => f.severity)).toEqual(['error', 'warning', 'error']);
    expect(kubeScorePolicyFindings(found, entries, true).map(f => f.severity)).toEqual(['warning', 'warning', 'warning']);
    expect(kubeScorePolicyFindings(found, entries, false, f => `shown/${f.split('/').pop()}`)[2].manifestPath).toBe('shown/0001-namespaced.k8s.yaml');
  });

  test('scripts/go-tool.sh, which builds it, pins the version the report names', () => {
    expect(readFileSync(join(ROOT, 'scripts', 'go-tool.sh'), 'utf8')).toContain(`kube-score) module=github.com/zegl/kube-score/cmd/kube-score version=${KUBE_SCORE_VERSION} ;;`);
  });
});
