// GIVEN README.md (for users, under 250 lines), docs/*.md (the details) and CONTRIBUTING.md
// THEN they keep what they promise: the README starts with the two set-up commands; every npm
// command shown exists; every setting named is a real one, and the full table lives in
// docs/settings.md; every relative link and anchor resolves; the diagram and the policy
// exceptions are those of dist/; the library example compiles and synthesizes; no user document
// points at ../shared or talks about the CI machines.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { configJsonSchema, README_FILE as SETTINGS_FILE, settingsTable, TABLE_END, TABLE_START } from '../scripts/settings-docs';

const ROOT = resolve(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const readme = read('README.md');
const DOC_PAGES = readdirSync(join(ROOT, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => `docs/${f}`);
/** What a user reads: the README and docs/. */
const USER_DOCS = ['README.md', ...DOC_PAGES];
/** Everything this test holds to its promises. */
const ALL_DOCS = [...USER_DOCS, 'CONTRIBUTING.md'];

type Json = { [key: string]: any };
const packageJson = (dir: string): Json => JSON.parse(read(join(dir, 'package.json')));
const rootPackage = packageJson('.');
let cachedSchema: Json | undefined;
/** The JSON Schema of config files, as `npm run docs:settings` generates it. */
const schema = () => (cachedSchema ??= configJsonSchema());

/** The text outside fenced code blocks, line by line (headings and links live there). */
const prose = (text: string): string[] => {
  let fenced = false;
  return text.split('\n').filter(line => {
    if (/^\s*```/.test(line)) { fenced = !fenced; return false; }
    return !fenced;
  });
};

/** The fenced code blocks of a document, with their language. */
const codeBlocks = (text: string): { lang: string; code: string }[] =>
  [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(m => ({ lang: m[1], code: m[2] }));

/** GitHub's anchors of a Markdown document's headings. */
const anchors = (text: string): Set<string> => {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const line of prose(text)) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    found.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return found;
};

describe('README.md is for a person deciding whether to use this, then using it', () => {
  test('under 250 lines', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThan(250);
  });

  test('it starts with the two commands that do all the set-up: the main job and the tests', () => {
    const first = codeBlocks(readme)[0];
    expect(readme.indexOf('```')).toBeLessThan(readme.indexOf('\n## '));
    const commands = first.code.trim().split('\n').map(line => line.replace(/#.*$/, '').trim());
    expect(commands).toEqual(['npm ci && npm run synth', 'npm ci && npm test']);
    // The CI entry point runs the same: npm ci, then npm test among its suites.
    const ci = read('.ci/run');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  test('its sections: what gets deployed, apply/remove, settings, failover, policy, the local cluster, the datastore and image, the library', () => {
    const headings = prose(readme).filter(l => l.startsWith('## ')).join('\n');
    for (const topic of [/deployed/i, /apply.*remove/i, /settings/i, /failover/i, /policy/i, /cluster on your machine/i, /datastore and its image/i, /constructs in your own chart/i]) {
      expect(headings).toMatch(topic);
    }
  });

  test('it links every page of docs/ and CONTRIBUTING.md', () => {
    for (const target of [...DOC_PAGES, 'CONTRIBUTING.md']) expect(readme).toContain(`](${target}`);
  });

  test('its diagram shows the objects of dist/, in their files, and the StatefulSet\'s pods', () => {
    const diagram = codeBlocks(readme).find(b => b.code.includes('dist/0000-'))!.code;
    const lines = diagram.split('\n');
    const files = readdirSync(join(ROOT, 'dist')).filter(f => f.endsWith('.yaml')).sort();
    for (const file of files) expect(lines[0]).toContain(`dist/${file}`);
    for (const file of files) {
      for (const doc of parseAllDocuments(read(`dist/${file}`))) {
        const o = doc.toJS();
        if (!o) continue;
        const shown = lines.some(l => new RegExp(`\\b${o.kind}\\b`).test(l) && l.includes(o.metadata.name));
        expect(shown ? `${o.kind} ${o.metadata.name}` : `${o.kind} ${o.metadata.name} is not in the diagram`).toBe(`${o.kind} ${o.metadata.name}`);
        if (o.kind === 'StatefulSet') {
          expect(diagram).toContain(`StatefulSet ${o.metadata.name} (${o.spec.replicas} replicas`);
          for (let i = 0; i < o.spec.replicas; i++) expect(diagram).toContain(`${o.metadata.name}-${i} `);
          expect(diagram).not.toContain(`${o.metadata.name}-${o.spec.replicas} `);
        }
      }
    }
  });

  test('the warning that `cdk8s synth --stdout` deletes dist/ appears at most once, and not in the README', () => {
    const warnings = ALL_DOCS.flatMap(f => [...read(f).matchAll(/--stdout[^.\n]*deletes `?dist\/?`?/g)].map(() => f));
    expect(warnings.length).toBeLessThanOrEqual(1);
    expect(warnings).not.toContain('README.md');
    expect(readme).toContain('`npm run synth` is the supported command');
  });
});

describe.each(USER_DOCS)('%s, a user document', (file) => {
  test('points at no path outside the repository and says nothing about the CI machines', () => {
    const text = read(file);
    for (const banned of [/\.\.\/shared/, /these (sandbox )?machines/i, /sandbox machine/i, /npm 11/, /no base image can be pulled/i, /was run for this README/i]) {
      expect(text).not.toMatch(banned);
    }
  });
});

describe.each(ALL_DOCS)('%s', (file) => {
  const text = read(file);

  test('every npm command it shows exists (a script of package.json or its workspace, or a bin for npx)', () => {
    const workspaces = new Map<string, Json>((rootPackage.workspaces as string[]).map(dir => [packageJson(dir).name, packageJson(dir)]));
    const missing: string[] = [];
    for (const m of text.matchAll(/\bnpm (run|test)\b([^`\n|&;#)]*)/g)) {
      const words = m[2].trim().split(/\s+/).filter(Boolean);
      if (m[1] === 'run' && words.length === 0) continue; // "npm run" named, no command shown
      const w = words.indexOf('-w');
      const pkg = w >= 0 ? workspaces.get(words[w + 1]) : rootPackage;
      const script = m[1] === 'test' ? 'test' : words.find(word => !word.startsWith('-'));
      if (!pkg || !script || !pkg.scripts?.[script]) missing.push(m[0].trim());
    }
    for (const m of text.matchAll(/\bnpx ([\w@./-]+)/g)) {
      if (!existsSync(join(ROOT, 'node_modules', '.bin', m[1]))) missing.push(m[0]);
    }
    expect(missing).toEqual([]);
  });

  test('every setting it names is a real one', () => {
    const table = settingsTable(schema());
    const unknown: string[] = [];
    for (const m of text.matchAll(/`((storage|mehdb)\.[A-Za-z][\w.]*)`/g)) {
      const [section, field, ...nested] = m[1].split('.');
      if (!table.includes(`| \`${section}.${field}\` |`)) { unknown.push(m[1]); continue; }
      let node: Json | undefined = schema().properties[section].properties[field];
      for (const key of nested) {
        const options: Json[] = node?.anyOf ?? [node];
        node = options.map(o => o?.properties?.[key]).find(Boolean);
      }
      if (!node) unknown.push(m[1]);
    }
    expect(unknown).toEqual([]);
  });

  test('every relative link resolves to a file, and every anchor to a heading', () => {
    const broken: string[] = [];
    for (const line of prose(text)) {
      for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
        const link = m[1];
        if (/^[a-z]+:/.test(link)) continue;
        const [path, anchor] = link.split('#');
        const target = path ? resolve(dirname(join(ROOT, file)), path) : join(ROOT, file);
        if (!existsSync(target)) { broken.push(link); continue; }
        if (anchor !== undefined && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(link);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('settings', () => {
  test('the full generated table lives in docs/settings.md (once), which the README links', () => {
    expect(relative(ROOT, SETTINGS_FILE)).toBe('docs/settings.md');
    const settings = read('docs/settings.md');
    expect(settings).toContain(`${TABLE_START}\n${settingsTable(schema())}\n${TABLE_END}`);
    for (const file of ALL_DOCS.filter(f => f !== 'docs/settings.md')) expect(read(file)).not.toContain(TABLE_START);
    expect(readme).toContain('](docs/settings.md)');
  });

  test('the README\'s config example and its preset variables are the ones the app reads', () => {
    expect(readme).toContain('`MEHDB_PRESET`');
    expect(readme).toContain('`MEHDB_CONFIG`');
    const example = /echo '(\{"\$schema".*\})' > my\.json/.exec(readme);
    const config = JSON.parse(example![1]);
    expect(existsSync(join(ROOT, config.$schema))).toBe(true);
    for (const [section, values] of Object.entries(config)) {
      if (section === '$schema' || section === 'namespace') continue;
      for (const key of Object.keys(values as Json)) expect(schema().properties[section].properties).toHaveProperty(key);
    }
  });
});

describe('policy', () => {
  const objects = readdirSync(join(ROOT, 'dist')).filter(f => f.endsWith('.yaml')).sort()
    .flatMap(f => parseAllDocuments(read(`dist/${f}`)).map(d => d.toJS()).filter(Boolean));
  const annotations = objects.map(o => (o.metadata.annotations ?? {}) as Record<string, string>);
  const ignored = annotations.flatMap(a => (a['kube-score/ignore'] ?? '').split(',').map(c => c.trim()).filter(Boolean));
  const declared = annotations.flatMap(a => Object.keys(a).filter(k => k.startsWith('exception.policy.mehdb.local/')).map(k => k.split('/')[1]));

  test('the README explains every check dist/ tells kube-score to ignore (npm run test:policy demands it)', () => {
    expect(ignored.length).toBeGreaterThan(0);
    for (const check of ignored) expect(readme).toContain(`\`${check}\``);
  });

  test('docs/policy.md has a row for every ignored check and every declared exception of dist/', () => {
    const policy = read('docs/policy.md');
    expect(declared.length).toBeGreaterThan(0);
    for (const rule of [...ignored, ...declared]) expect(policy).toContain(`| \`${rule}\` |`);
  });
});

describe('the library example of the README', () => {
  const section = readme.slice(readme.indexOf('## Use the constructs in your own chart'));
  const example = codeBlocks(section).find(b => b.lang === 'ts')!.code;
  const dir = join(ROOT, '.build', 'readme-example');
  const file = join(dir, 'chart.ts');
  let out: string;

  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    const lib = relative(dir, join(ROOT, 'lib', 'index')).replace(/\\/g, '/');
    writeFileSync(file, example.replace(/from 'mehdb-cdk8s'/, `from '${lib}'`));
    out = mkdtempSync(join(dir, 'out-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('imports the package by its name', () => {
    expect(example).toContain(`from '${packageJson('packages/mehdb-cdk8s').name}'`);
  });

  test('type-checks against the library\'s sources (strict)', () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const program = ts.createProgram([file], { ...config.options, noEmit: true });
    const problems = ts.getPreEmitDiagnostics(program).map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  }, 120_000);

  test('synthesizes the StorageClass and the StatefulSet', () => {
    const previous = process.env.CDK8S_OUTDIR;
    process.env.CDK8S_OUTDIR = out;
    try {
      jest.isolateModules(() => { require(file); });
    } finally {
      if (previous === undefined) delete process.env.CDK8S_OUTDIR; else process.env.CDK8S_OUTDIR = previous;
    }
    const kinds = readdirSync(out).flatMap(f => parseAllDocuments(readFileSync(join(out, f), 'utf8')).map(d => d.toJS()?.kind));
    expect(kinds).toEqual(expect.arrayContaining(['StorageClass', 'StatefulSet', 'Deployment']));
  });
});
