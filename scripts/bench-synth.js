#!/usr/bin/env node
// Synth speed: wall time of `npm run synth` beside the floor, `node -e "require('cdk8s-plus-27')"`
// (loading the construct library alone), and synth without the validation plugin (--no-validate),
// measured alternately in the same run.
//   npm run bench:synth [-- <runs>]       (default 7 runs each; prints median, min and the ratio)
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
const runs = Number(process.argv[2] ?? 7);
const commands = {
  'npm run synth': ['npm', ['run', '-s', 'synth']],
  'cdk8s synth --no-check-upgrade': [path.join(root, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade']],
  'same, --no-validate (without the plugin)': [path.join(root, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade', '--no-validate']],
  'node scripts/run-ts.js main.ts (app alone)': [process.execPath, ['scripts/run-ts.js', 'main.ts']],
  "floor: node -e \"require('cdk8s-plus-27')\"": [process.execPath, ['-e', "require('cdk8s-plus-27')"]],
};

function time([cmd, args]) {
  const start = process.hrtime.bigint();
  const run = spawnSync(cmd, args, { cwd: root, stdio: 'ignore' });
  if (run.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const samples = Object.fromEntries(Object.keys(commands).map(name => [name, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, command] of Object.entries(commands)) samples[name].push(time(command));
}
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floor = median(samples["floor: node -e \"require('cdk8s-plus-27')\""]);
console.log(`synth benchmark, ${runs} alternating runs each, wall seconds`);
for (const [name, xs] of Object.entries(samples)) {
  console.log(`${name.padEnd(48)} median ${median(xs).toFixed(2)}  min ${Math.min(...xs).toFixed(2)}  x floor ${(median(xs) / floor).toFixed(1)}`);
}
