// The synth's two entry points: `npm run synth` (scripts/synth.js) and cdk8s.yaml's `app`, the
// command `cdk8s synth` runs (scripts/cdk8s-app.js). Both run the same synth (run.ts).
import { tmpdir } from 'os';
import { basename, dirname, join, resolve } from 'path';
import { ConfigEnvironment, outputSettings, processEnvironment } from '../config';
import { parseSynthArgs, SYNTH_USAGE, UsageError } from './args';
import { runSynth, SynthIo, SynthTarget } from './run';

/** The project's manifests folder: what `npm run synth` writes and `kubectl apply -f` reads. */
export const PROJECT_OUTPUT = 'dist';

/**
 * cdk8s.yaml's `output`. The CLI deletes its output folder before it runs the app (cdk8s-cli
 * 2.207, lib/cli/cmds/synth.js), so it gets a scratch folder: the app publishes dist/ itself after
 * synth and the policy succeeded, then links the files into the scratch folder for the CLI to list.
 */
export const CLI_SCRATCH_OUTPUT = '.build/cdk8s-cli-out';

const processIo = (): SynthIo => ({ stdout: process.stdout, stderr: process.stderr });

/** `npm run synth [-- options]`; returns the exit code (2: a command line that cannot be run). */
export function synthCommand(argv: readonly string[], io: SynthIo = processIo(), env: ConfigEnvironment = processEnvironment()): number {
  let request;
  try {
    request = parseSynthArgs(argv, PROJECT_OUTPUT);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`synth: ${e.message}\n${SYNTH_USAGE}`);
    return 2;
  }
  if (request === 'help') {
    io.stdout.write(SYNTH_USAGE);
    return 0;
  }
  const settings = outputSettings(env);
  const target: SynthTarget = request.output === undefined ? { kind: 'stdout' } : { kind: 'folder', dir: request.output, shown: request.output };
  const chart = request.format === 'helm'
    ? { version: request.chartVersion!, apiVersion: request.chartApiVersion ?? 'v2', name: basename(process.cwd()) } : undefined;
  return runSynth({
    target, format: request.format, chart, env,
    verbose: request.verbose || settings.verbose,
    messages: request.stdout ? 'stderr' : 'stdout',
    colorAllowed: settings.colorAllowed,
  }, io);
}

/**
 * The app as `cdk8s synth` runs it, told where to write by CDK8S_OUTDIR. The CLI keeps the app's
 * stdout to itself, so every message goes to stderr. See cliTarget for the folders.
 */
export function cdk8sAppCommand(io: SynthIo = processIo(), env: ConfigEnvironment = processEnvironment()): number {
  const settings = outputSettings(env);
  return runSynth({
    target: cliTarget(env.CDK8S_OUTDIR),
    format: 'plain', env, verbose: settings.verbose, messages: 'stderr', colorAllowed: settings.colorAllowed,
  }, io);
}

/**
 * Where the manifests go for a CDK8S_OUTDIR:
 * - cdk8s.yaml's scratch folder (plain `cdk8s synth`): dist/, replaced on success only, with links
 *   in the scratch folder;
 * - the temporary folder `cdk8s synth --stdout` makes (`<tmpdir>/cdk8s-XXXXXX`): one YAML stream
 *   in one file, because the CLI pipes each file of that folder to stdout at once, with no `---`
 *   between them and in no fixed order (cdk8s-cli 2.207, lib/cli/cmds/synth.js);
 * - any other folder (`cdk8s synth -o DIR`, which the CLI has emptied already): that folder;
 * - none (the app run without the CLI): dist/.
 */
export function cliTarget(outdir: string | undefined, cwd = process.cwd(), tmp = tmpdir()): SynthTarget {
  if (!outdir) return { kind: 'folder', dir: resolve(cwd, PROJECT_OUTPUT), shown: PROJECT_OUTPUT };
  const dir = resolve(cwd, outdir);
  if (dir === resolve(cwd, CLI_SCRATCH_OUTPUT)) {
    return { kind: 'folder', dir: resolve(cwd, PROJECT_OUTPUT), shown: PROJECT_OUTPUT, cliCopy: dir };
  }
  if (dirname(dir) === resolve(tmp) && /^cdk8s-[A-Za-z0-9]{6}$/.test(basename(dir))) {
    return { kind: 'stream-file', file: join(dir, 'manifests.k8s.yaml') };
  }
  return { kind: 'folder', dir, shown: outdir };
}
