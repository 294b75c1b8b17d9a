// One synth: the config, the charts into a staging folder, the policy on the objects, and only then
// the manifests where they were asked for. Nothing the user asked for changes on a failure.
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import { buildApp, MehdbApp } from '../app';
import { AppConfig, ConfigEnvironment, loadConfig, problemsOf } from '../config';
import { appEntries } from '../policy/app-entries';
import { evaluatePolicy } from '../policy/evaluate';
import { countFindings, formatPolicyReport, policySummaryLine } from '../policy/report';
import { linkFiles, listFiles, publishFolder, stagingFolder, writeHelmScaffold, yamlStream } from './output';

/** A stream the synth writes to: process.stdout, process.stderr, or a test's recorder. */
export interface OutStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface SynthIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
}

/** Where the manifests go. */
export type SynthTarget =
  /** A folder, replaced on success only; `shown` is how messages name it; `cliCopy` gets links to the files for the cdk8s CLI to list. */
  | { readonly kind: 'folder'; readonly dir: string; readonly shown: string; readonly cliCopy?: string }
  /** One YAML stream on stdout. */
  | { readonly kind: 'stdout' }
  /** One YAML stream in a file (for `cdk8s synth --stdout`, which prints the files of its folder). */
  | { readonly kind: 'stream-file'; readonly file: string };

export interface SynthJob {
  readonly target: SynthTarget;
  readonly format: 'plain' | 'helm';
  readonly chart?: { readonly version: string; readonly apiVersion: 'v1' | 'v2'; readonly name: string };
  /** The full policy report on success too. */
  readonly verbose: boolean;
  /** Which stream gets the messages of a success (the YAML stream, if any, always goes to stdout). */
  readonly messages: 'stdout' | 'stderr';
  /** Colour is allowed: used only on a stream that is a terminal. */
  readonly colorAllowed: boolean;
  /** What the config is read from (MEHDB_PRESET, MEHDB_CONFIG). */
  readonly env: ConfigEnvironment;
}

/** Builds the app's charts for a config into a folder (buildApp; tests pass others). */
export type AppBuilder = (config: AppConfig, outdir: string) => Pick<MehdbApp, 'app'>;

const REPORT_HINT = ' (npm run policy:report)';

/** Runs one synth; returns the exit code: 0, or 1 when the config, the policy or the code failed. */
export function runSynth(job: SynthJob, io: SynthIo, build: AppBuilder = buildApp): number {
  const messages = io[job.messages];
  const style = (stream: OutStream) => ({ color: job.colorAllowed && stream.isTTY === true });
  let config: AppConfig;
  try {
    config = loadConfig(job.env);
  } catch (e) {
    return reportFailure(e, io);
  }
  const { target } = job;
  let work: string | undefined;
  try {
    work = target.kind === 'folder' ? stagingFolder(target.dir) : mkdtempSync(join(tmpdir(), 'mehdb-synth-'));
    const manifests = job.format === 'helm' ? join(work, 'templates') : work;
    const { app } = build(config, manifests);
    app.synth();
    const shownDir = target.kind === 'folder' ? join(target.shown, job.format === 'helm' ? 'templates' : '') : '<stdout>';
    // The tutorial preset reproduces the course as it is: its departures are warnings.
    const findings = evaluatePolicy(appEntries(app, shownDir), { warnOnly: config.preset === 'tutorial' });
    const counts = countFindings(findings);
    if (counts.errors > 0) {
      const unchanged = target.kind === 'folder' ? `${target.shown} unchanged` : 'nothing written';
      io.stderr.write(formatPolicyReport(findings, style(io.stderr)));
      io.stderr.write(`${policySummaryLine(counts, `: synth refused, ${unchanged}`, style(io.stderr))}\n`);
      return 1;
    }
    if (job.format === 'helm' && job.chart) writeHelmScaffold(work, job.chart);
    const written = deliver(target, work, io.stdout);
    if (job.verbose) messages.write(formatPolicyReport(findings, style(messages)));
    if (written) messages.write(`synth: wrote ${written}\n`);
    messages.write(`${policySummaryLine(counts, REPORT_HINT, style(messages))}\n`);
    return 0;
  } catch (e) {
    return reportFailure(e, io);
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

/** Puts the synthesized files where the target says; returns what to tell the user, if anything. */
function deliver(target: SynthTarget, work: string, stdout: OutStream): string | undefined {
  switch (target.kind) {
    case 'stdout':
      stdout.write(yamlStream(work));
      return undefined;
    case 'stream-file':
      writeFileSync(target.file, yamlStream(work));
      return undefined;
    case 'folder': {
      const files = listFiles(work);
      publishFolder(work, target.dir);
      if (target.cliCopy) linkFiles(target.dir, target.cliCopy, files);
      return `${target.shown.replace(/\/+$/, '') || basename(target.dir)}/ (${files.join(', ')})`;
    }
  }
}

/**
 * Bad input: one line per problem, no stack. A file system error (a folder that cannot be made):
 * its message. Anything else is a bug: its stack (source-mapped to lib/*.ts).
 */
function reportFailure(error: unknown, io: SynthIo): number {
  const problems = problemsOf(error);
  const { code, syscall, message, stack } = (error ?? {}) as NodeJS.ErrnoException;
  io.stderr.write(problems ? problems.map(p => `${p}\n`).join('')
    : code && syscall ? `synth: ${message}\n` : `${stack ?? String(error)}\n`);
  return 1;
}
