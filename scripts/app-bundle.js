// loadApp(): the app's bundle, .build/main.js (from main.ts), ready to use. esbuild rebuilds it
// only when a file it was built from (main.ts, lib/, image/mehdb-image.json, these scripts) has
// changed since: .build/main.inputs.json records each one's size and mtime. So a synth of an
// unchanged tree loads plain JavaScript at once: no esbuild, no TypeScript (type errors are
// `npm run typecheck`'s, which `npm test` runs). Source maps are on for the bundle, so stacks point
// at lib/*.ts; its packages are loaded before they are switched on, because node would otherwise
// decode every inline map they carry (cdk8s-plus-27: 48 files, 3.6 MB).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, '.build', 'main.js');
const recordFile = path.join(root, '.build', 'main.inputs.json');
const SELF = ['scripts/app-bundle.js', 'scripts/bundle.js'];

function stamp(file) {
  const stat = fs.statSync(path.join(root, file));
  return { size: stat.size, mtimeMs: stat.mtimeMs };
}

/** The record of the last build when it is still the bundle of the sources, else undefined. */
function upToDate() {
  try {
    const record = JSON.parse(fs.readFileSync(recordFile, 'utf8'));
    fs.accessSync(outfile);
    const same = Object.entries(record.inputs).every(([file, { size, mtimeMs }]) => {
      const now = stamp(file);
      return now.size === size && now.mtimeMs === mtimeMs;
    });
    return same && Array.isArray(record.packages) ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds the bundle and records its inputs and the packages it requires, unless an input changed
 * while it was built (then the next run builds again). Returns the record.
 */
function build() {
  const started = Date.now();
  const { metafile } = require('./bundle').bundle({
    entryPoints: [path.join(root, 'main.ts')], outfile, absWorkingDir: root,
    sourcemap: 'linked', sourcesContent: false, metafile: true,
  });
  const inputs = Object.fromEntries([...Object.keys(metafile.inputs), ...SELF].map(file => [file, stamp(file)]));
  const packages = [...new Set(Object.values(metafile.outputs).flatMap(o => o.imports)
    .filter(i => i.external && !require('module').isBuiltin(i.path)).map(i => i.path))].sort();
  const record = { inputs, packages };
  if (Object.values(inputs).some(({ mtimeMs }) => mtimeMs >= started - 1000)) return record;
  const tmp = `${recordFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record));
  fs.renameSync(tmp, recordFile);
  return record;
}

/** The bundle's exports (main.ts): synthCommand, cdk8sAppCommand, policyReportCommand. */
function loadApp() {
  const { packages } = upToDate() ?? build();
  for (const name of packages) require(name);
  // As `node --enable-source-maps`, for the bundle loaded below.
  process.setSourceMapsEnabled(true);
  return require(outfile);
}

module.exports = { loadApp, root };
