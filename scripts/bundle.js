// bundle(options): esbuild bundles TypeScript entry points of this project for node (CommonJS,
// packages external, no type-checking: `npm run typecheck` does that) and writes each output
// file aside and renames it into place, so a process running in parallel (jest spawns synths,
// two synths of the cluster test) never loads a half-written bundle. `options` are esbuild's:
// entryPoints and outfile or outdir at least; returns esbuild's result (its metafile with
// `metafile: true`). esbuild is loaded only when something is built.
'use strict';
const fs = require('fs');
const path = require('path');

function bundle(options) {
  const result = require('esbuild').buildSync({
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    ...options,
    write: false,
  });
  for (const file of result.outputFiles) {
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    const tmp = `${file.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, file.contents);
    fs.renameSync(tmp, file.path);
  }
  return result;
}

module.exports = { bundle };
