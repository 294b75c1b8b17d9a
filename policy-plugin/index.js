// The local cdk8s validation plugin named in cdk8s.yaml `validations:` (package ./policy-plugin,
// class MehdbPolicyValidation). Its code is TypeScript in lib/policy/ (type-checked and tested
// with the app); this shim bundles it with esbuild into .build/ when a source changed (as
// scripts/run-ts.js does for the app) and exports the class. The plugin imports only lib/policy/.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, '.build', 'policy-plugin.js');
const sources = path.join(root, 'lib', 'policy');

/** Rebuild only when a source of the plugin is newer than the bundle (saves esbuild's start-up). */
function stale() {
  let built;
  try { built = fs.statSync(outfile).mtimeMs; } catch { return true; }
  return fs.readdirSync(sources).some(f => fs.statSync(path.join(sources, f)).mtimeMs > built);
}

// esbuild is loaded only to rebuild (scripts/bundle.js). Sources outside lib/policy/ are not
// watched: keep the plugin's imports inside that folder.
if (stale()) {
  require('../scripts/bundle').bundle({ entryPoints: [path.join(sources, 'validation-plugin.ts')], outfile });
}
module.exports = require(outfile);
