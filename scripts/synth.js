#!/usr/bin/env node
// npm run synth [-- <cdk8s synth options>]: `cdk8s synth --no-check-upgrade`, made safe for dist/.
//
// The cdk8s CLI deletes its output folder before it runs the app, so a failed synth used to leave
// no dist/ at all. Here the CLI writes into a fresh temporary folder next to the output folder
// (same file system) and the result replaces the output folder only when synth succeeded; on
// failure the output folder is exactly as it was and the temporary folder is removed.
//
// Bad input (a wrong MEHDB_CONFIG, MEHDB_PRESET or prop) is reported by the app one line per
// problem (lib/config/problems.ts) into the file MEHDB_SYNTH_PROBLEMS names; then only those
// lines are printed, without the CLI's own error and stack, and the exit code is 1. Any other
// failure prints everything the CLI and the app wrote (the app's stack is source-mapped to lib/).
//
// Options are the CLI's (`--output`/`-o`, `--stdout`/`-p`, `--app`, `--format`, ...); the folder
// printed in the CLI's file list is the final one. `--stdout` prints the manifests as one YAML
// stream and leaves every folder alone (the CLI's own --stdout deletes cdk8s.yaml's `output`).
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const cli = path.join(path.dirname(require.resolve('cdk8s-cli/package.json', { paths: [root] })), 'bin', 'cdk8s');

/** The output folder the user asked for (as written, relative to the working directory), and the other arguments. */
function parseArgs(argv) {
  let output;
  let stdout = false;
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = /^(--output|-o)=(.*)$/.exec(a);
    if (a === '--output' || a === '-o') {
      if (i + 1 >= argv.length) fail(`${a} needs a folder`);
      output = argv[++i];
    } else if (eq) {
      output = eq[2];
    } else if (a === '--stdout' || a === '-p') {
      stdout = true;
    } else {
      rest.push(a);
    }
  }
  return { output, stdout, rest };
}

/** The `output` of cdk8s.yaml (what the CLI uses without --output), else the CLI's default. */
function configuredOutput() {
  try {
    const m = /^output:\s*(\S+)\s*$/m.exec(fs.readFileSync('cdk8s.yaml', 'utf8'));
    if (m) return m[1].replace(/^["']|["']$/g, '');
  } catch { /* no cdk8s.yaml here: the CLI fails with its own message */ }
  return 'dist';
}

function fail(message) {
  process.stderr.write(`synth: ${message}\n`);
  process.exit(2);
}

function removeQuietly(dir) {
  try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
}

async function main() {
  const { output, stdout, rest } = parseArgs(process.argv.slice(2));
  if (stdout && output !== undefined) fail('--output and --stdout are mutually exclusive');
  const target = stdout ? undefined : (output ?? configuredOutput());
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mehdb-synth-js-'));
  const problemsFile = path.join(work, 'problems.txt');
  // Next to the target, so the final rename stays on one file system. With --stdout the CLI
  // would delete cdk8s.yaml's output folder too, so the manifests are made in `work` and printed
  // from there instead.
  if (target !== undefined) fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  const staging = target === undefined ? path.join(work, 'out')
    : fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.synth-`));
  const cleanup = () => { removeQuietly(staging); removeQuietly(work); };

  const args = [cli, 'synth', '--no-check-upgrade', ...rest, '--output', staging];
  const child = spawn(process.execPath, args, {
    stdio: ['inherit', 'pipe', 'pipe'],
    env: { ...process.env, MEHDB_SYNTH_PROBLEMS: problemsFile },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => { child.kill(signal); cleanup(); process.exit(130); });
  }
  const stderr = [];
  const out = [];
  child.stderr.on('data', chunk => stderr.push(chunk));
  child.stdout.on('data', chunk => out.push(chunk));
  const code = await new Promise(resolve => {
    child.on('error', err => { stderr.push(Buffer.from(`synth: cannot run the cdk8s CLI: ${err.message}\n`)); resolve(1); });
    child.on('close', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
  });

  let problems = '';
  try { problems = fs.readFileSync(problemsFile, 'utf8'); } catch { /* no bad input reported */ }
  if (code !== 0) {
    cleanup();
    if (problems) {
      process.stderr.write(problems);
    } else {
      process.stdout.write(Buffer.concat(out).toString('utf8').split(staging).join(target ?? '<stdout>'));
      process.stderr.write(Buffer.concat(stderr));
    }
    process.exitCode = 1;
    return;
  }
  if (target === undefined) {
    // --stdout: the manifests in file order, as one YAML stream.
    const files = fs.readdirSync(staging).filter(f => /\.ya?ml$/.test(f)).sort();
    process.stdout.write(files.map(f => fs.readFileSync(path.join(staging, f), 'utf8')).join('---\n'));
  } else {
    // Swap: the old folder aside, the new one in, the old one away. Should the second rename
    // fail (say, another synth to the same folder at the same moment), the old folder goes back.
    const old = `${staging}.old`;
    const hadTarget = fs.existsSync(target);
    if (hadTarget) fs.renameSync(target, old);
    try {
      fs.renameSync(staging, target);
    } catch (err) {
      if (hadTarget && !fs.existsSync(target)) fs.renameSync(old, target);
      cleanup();
      throw err;
    }
    removeQuietly(old);
  }
  cleanup();
  if (target !== undefined) process.stdout.write(Buffer.concat(out).toString('utf8').split(staging).join(target));
  process.stderr.write(Buffer.concat(stderr));
}

main().catch(err => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
