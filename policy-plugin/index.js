// The local cdk8s validation plugin named in cdk8s.yaml `validations:` (package ./policy-plugin,
// class MehdbPolicyValidation). Its code is TypeScript in lib/policy/ (type-checked and tested
// with the app); this shim bundles it with esbuild into .build/ (tens of milliseconds, as
// scripts/run-ts.js does for the app) and exports the class.
'use strict';
const path = require('path');
const { buildSync } = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, '.build', 'policy-plugin.js');
buildSync({
  entryPoints: [path.join(root, 'lib', 'policy', 'validation-plugin.ts')],
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
});
module.exports = require(outfile);
