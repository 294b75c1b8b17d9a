import { spawnSync } from 'child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import type { ValidationContext } from 'cdk8s-cli/lib/plugins/validation';
import { k8s } from '../imports';
import { buildApp } from '../lib/app';
import { declarePolicyExceptions } from '../lib/policy/exceptions';
import { KUBE_SCORE_VERSION, kubeScorePath } from '../lib/policy/kube-score';
import { readSynthRecord, sha256 } from '../lib/policy/synth-record';
import { writeSynthRecord } from '../lib/policy/write-synth-record';
import { POLICY_RULE_IDS, PolicyRuleId } from '../lib/policy/rule-ids';
import { MehdbPolicyValidation } from '../lib/policy/validation-plugin';
import { CONFIG_VARIANTS, PRODUCTION_OVERRIDES } from './fixtures/config-variants';
import { presetConfig } from './support/synth';

// The CLI's own context and report classes, as `cdk8s synth` passes them to the plugin.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ValidationContext: CliValidationContext } = require('cdk8s-cli/plugins');

const ROOT = resolve(__dirname, '..');
const tempDir = () => mkdtempSync(join(tmpdir(), 'mehdb-policy-'));
const manifestsOf = (dir: string) => readdirSync(dir).filter(f => f.endsWith('.yaml')).map(f => join(dir, f));

/** Runs the plugin as the CLI does on a synthesized output folder; returns the report as JSON. */
async function validate(outdir: string, properties = { kubeScore: false }) {
  const context: ValidationContext = new CliValidationContext(manifestsOf(outdir), 'mehdb-policy-plugin', '0.1.0', {}, false);
  await new MehdbPolicyValidation(properties).validate(context);
  return { success: context.report.success, json: context.report.toJson(), text: context.report.toString() };
}
const rulesOf = (report: Awaited<ReturnType<typeof validate>>, severity: string) =>
  report.json.violations.map(v => v.ruleName).filter(n => n.startsWith(`[${severity}] `)).map(n => n.slice(severity.length + 3));

/** A workload that follows every rule; `breakRule` removes what one rule asks for. */
function synthWorkload(breakRule?: PolicyRuleId, exceptions: Record<string, string> = {}): string {
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
  (chart.node.root as App).synth();
  return outdir;
}

describe('the validation plugin', () => {
  test('a workload that follows every rule passes with nothing to report', async () => {
    const report = await validate(synthWorkload());
    expect(report.success).toBe(true);
    expect(report.json.violations).toEqual([]);
  });

  test.each([...POLICY_RULE_IDS])('a chart breaking %s fails, naming the rule, the object and the fix', async (rule) => {
    const report = await validate(synthWorkload(rule));
    expect(report.success).toBe(false);
    expect(rulesOf(report, 'error')).toEqual([rule]);
    const [violation] = report.json.violations;
    expect(violation.violatingConstructs[0].resourceName).toBe('Deployment/p/w');
    expect(violation.fix.length).toBeGreaterThan(10);
  });

  test('an exception declared in code turns the error into a listed exception with its reason', async () => {
    const report = await validate(synthWorkload('run-as-non-root', { 'run-as-non-root': 'needs root because of X' }));
    expect(report.success).toBe(true);
    expect(rulesOf(report, 'exception')).toEqual(['run-as-non-root']);
    expect(report.text).toContain('needs root because of X');
  });

  test('an exception that is not needed is a warning; one naming no rule is an error', async () => {
    expect(rulesOf(await validate(synthWorkload(undefined, { 'probes': 'x' })), 'warning')).toEqual(['probes']);
    const unknown = await validate(synthWorkload(undefined, { 'no-such-rule': 'x' }));
    expect(unknown.success).toBe(false);
    expect(rulesOf(unknown, 'error')).toEqual(['no-such-rule']);
  });

  test('the default preset passes with only the provisioner\'s declared exceptions', async () => {
    const outdir = tempDir();
    buildApp(presetConfig('default'), outdir).app.synth();
    const report = await validate(outdir);
    expect(report.success).toBe(true);
    expect(rulesOf(report, 'error')).toEqual([]);
    expect(rulesOf(report, 'warning')).toEqual([]);
    expect(rulesOf(report, 'exception').sort()).toEqual(['drop-all-capabilities', 'image-digest', 'read-only-root-filesystem', 'run-as-non-root', 'seccomp-profile']);
    for (const v of report.json.violations) expect(v.violatingConstructs.map(c => c.resourceName)).toEqual(['Deployment/mehdb/nfs-provisioner']);
  });

  test('the production settings (and a ServiceMonitor) pass too; with a RuntimeDefault seccomp profile the provisioner needs no seccomp exception', async () => {
    const outdir = tempDir();
    const mehdb = { ...PRODUCTION_OVERRIDES.mehdb, serviceMonitor: true };
    buildApp(presetConfig('default', { ...PRODUCTION_OVERRIDES, mehdb }), outdir).app.synth();
    const report = await validate(outdir);
    expect(report.success).toBe(true);
    expect(rulesOf(report, 'error')).toEqual([]);
    expect(rulesOf(report, 'warning')).toEqual([]);
    expect(rulesOf(report, 'exception').sort()).toEqual(['drop-all-capabilities', 'image-digest', 'read-only-root-filesystem', 'run-as-non-root']);
  });

  test('failover with two replicas in solo mode passes with only the provisioner\'s declared exceptions', async () => {
    const outdir = tempDir();
    buildApp(CONFIG_VARIANTS['default-two-replicas-solo'], outdir).app.synth();
    const report = await validate(outdir);
    expect(report.success).toBe(true);
    expect(rulesOf(report, 'error')).toEqual([]);
    expect(rulesOf(report, 'warning')).toEqual([]);
    for (const v of report.json.violations) expect(v.violatingConstructs.map(c => c.resourceName)).toEqual(['Deployment/mehdb/nfs-provisioner']);
  });
});

describe('the synth record (.build/synth-records/) the app writes for the plugin', () => {
  const outdir = tempDir();
  const { app } = buildApp(presetConfig('default'), outdir);
  app.synth();
  writeSynthRecord(app, ROOT);
  const record = readSynthRecord(ROOT, outdir);

  test('holds, under each manifest\'s hash, exactly the objects its YAML parses to, and every construct path', () => {
    for (const file of manifestsOf(outdir)) {
      const text = readFileSync(file, 'utf8');
      expect(record.manifests[sha256(text)]).toEqual(parseAllDocuments(text).map(d => d.toJS()));
    }
    expect(record.paths['StatefulSet/mehdb/mehdb']).toBe('namespaced/Mehdb/StatefulSet');
    expect(record.paths['Service/mehdb/mehdb']).toBe('namespaced/Mehdb/Service');
  });

  test('a manifest changed after synth is read from its YAML, not from the record', async () => {
    appendFileSync(join(outdir, '0001-namespaced.k8s.yaml'),
      '---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: added\n  namespace: mehdb\nspec:\n  containers:\n    - name: c\n      image: x:1\n');
    const report = await validate(outdir);
    expect(report.success).toBe(false);
    expect(report.json.violations.flatMap(v => v.violatingConstructs.map(c => c.resourceName))).toContain('Pod/mehdb/added');
  });
});

describe('`cdk8s synth` runs the plugin (cdk8s.yaml validations)', () => {
  const synthCli = (env: Record<string, string>) => {
    const outdir = tempDir();
    const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade', '--output', outdir],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MEHDB_PRESET: '', MEHDB_CONFIG: '', ...env } });
    return { status: run.status, output: run.stdout + run.stderr, files: readdirSync(outdir) };
  };

  test('the default preset passes, prints the report with the exceptions, and writes only the two manifests', () => {
    const run = synthCli({});
    expect(run.output).toContain('Validation Report');
    expect(run.output).toContain('[exception] run-as-non-root');
    expect(run.output).toContain('Construct Path: namespaced/Storage/Deployment');
    expect(run.status).toBe(0);
    expect(run.files.sort()).toEqual(['0000-cluster-scoped.k8s.yaml', '0001-namespaced.k8s.yaml']);
    // With kube-score built, its findings join the report: the provisioner's ignored checks are listed.
    if (kubeScorePath()) {
      expect(run.output).toContain(`kube-score          │ ${KUBE_SCORE_VERSION}, findings included`);
      expect(run.output).toContain('[exception] kube-score deployment-replicas');
      expect(run.output).not.toMatch(/\[(error|warning)\] kube-score/);
    }
  });

  test('MEHDB_CONFIG {"mehdb": {"hardened": false}} on the default preset fails synth and names the rules it breaks', () => {
    const config = join(tempDir(), 'unhardened.json');
    writeFileSync(config, JSON.stringify({ mehdb: { hardened: false } }));
    const run = synthCli({ MEHDB_CONFIG: config });
    expect(run.status).not.toBe(0);
    for (const rule of ['run-as-non-root', 'read-only-root-filesystem', 'no-privilege-escalation', 'drop-all-capabilities', 'seccomp-profile']) {
      expect(run.output).toContain(`[error] ${rule}`);
    }
    expect(run.output).toContain('Resource Name: StatefulSet/mehdb/mehdb');
  });

  test('the tutorial preset still synthesizes, its departures reported as warnings', () => {
    const run = synthCli({ MEHDB_PRESET: 'tutorial' });
    expect(run.status).toBe(0);
    expect(run.output).toContain('[warning] run-as-non-root');
    expect(run.output).not.toContain('[error]');
  });
});

