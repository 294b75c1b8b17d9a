#!/usr/bin/env node
// Synth speed: the wall time of `npm run synth` beside the floor, `node -e "require('cdk8s-plus-27')"`
// (loading the construct library alone), and the ratio between them (target: at most 5x), with the
// other ways in: scripts/synth.js without npm, `cdk8s synth` (the CLI, to a folder and --stdout) and
// the first synth after a source changed (the bundle is rebuilt). Every command runs once per round,
// in turn, so a busy machine slows them all alike. Nothing is written to dist/.
//   npm run bench:synth [-- <rounds>] [--compare DIR]
// --compare DIR also times `npm run synth` in another checkout (say, an older commit with its own
// node_modules or a link to these), for before/after figures from the same run.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const compareAt = args.indexOf('--compare');
const compare = compareAt >= 0 ? path.resolve(args.splice(compareAt, 2)[1]) : undefined;
const rounds = Number(args[0] ?? 7);
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mehdb-bench-')), 'out');
const cdk8s = path.join(root, 'node_modules', '.bin', 'cdk8s');
const FLOOR = "floor: node -e \"require('cdk8s-plus-27')\"";
const SYNTH = 'npm run synth';

/** name -> [command, args, cwd, before] */
const commands = {
  [FLOOR]: [process.execPath, ['-e', "require('cdk8s-plus-27')"]],
  [SYNTH]: ['npm', ['run', 'synth', '--', '--output', out]],
  'node scripts/synth.js (without npm)': [process.execPath, ['scripts/synth.js', '--output', out]],
  'cdk8s synth --no-check-upgrade -o DIR': [cdk8s, ['synth', '--no-check-upgrade', '--output', out]],
  'cdk8s synth --no-check-upgrade --stdout': [cdk8s, ['synth', '--no-check-upgrade', '--stdout']],
  'npm run synth, a source changed (rebuild)': ['npm', ['run', 'synth', '--', '--output', out], root, () => touch(path.join(root, 'main.ts'))],
};
if (compare) commands[`npm run synth in ${compare}`] = ['npm', ['run', 'synth', '--', '--output', out], compare];

function touch(file) {
  const now = new Date();
  fs.utimesSync(file, now, now);
}

function time([cmd, cmdArgs, cwd = root, before]) {
  if (before) before();
  const start = process.hrtime.bigint();
  const run = spawnSync(cmd, cmdArgs, { cwd, stdio: 'ignore' });
  if (run.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(' ')} (in ${cwd}) failed`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// One untimed round first: builds the bundle, warms the file cache.
for (const command of Object.values(commands)) time(command);
const samples = Object.fromEntries(Object.keys(commands).map(name => [name, []]));
for (let i = 0; i < rounds; i++) {
  for (const [name, command] of Object.entries(commands)) samples[name].push(time(command));
}
fs.rmSync(path.dirname(out), { recursive: true, force: true });

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floor = median(samples[FLOOR]);
const load = os.loadavg().map(l => l.toFixed(1)).join(' ');
console.log(`synth benchmark: ${rounds} rounds, commands in turn, wall seconds (${os.cpus().length} CPUs, load ${load})`);
for (const [name, xs] of Object.entries(samples)) {
  console.log(`${name.padEnd(48)} median ${median(xs).toFixed(2)}  min ${Math.min(...xs).toFixed(2)}  x floor ${(median(xs) / floor).toFixed(1)}`);
}
const ratio = median(samples[SYNTH]) / floor;
console.log(`npm run synth / floor = ${ratio.toFixed(1)}x (target: at most 5x)${ratio <= 5 ? '' : ' -- OVER'}`);
