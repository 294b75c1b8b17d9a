/** Where a synth writes, as `npm run synth` is asked on its command line. */
export interface SynthRequest {
  /** The folder the manifests replace, on success only; undefined with `stdout`. */
  readonly output?: string;
  /** Write the manifests to stdout as one YAML stream instead of a folder. */
  readonly stdout: boolean;
  /** Print the full policy report on success too. */
  readonly verbose: boolean;
  /** `plain` manifests, or a `helm` chart (Chart.yaml, README.md, templates/), as `cdk8s synth --format`. */
  readonly format: 'plain' | 'helm';
  /** The chart's version (`helm` only, required there). */
  readonly chartVersion?: string;
  /** The chart's apiVersion (`helm` only). @default 'v2' */
  readonly chartApiVersion?: 'v1' | 'v2';
}

/** A command line that cannot be run; the message says why. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const SYNTH_USAGE = `usage: npm run synth [-- options]
  -o, --output DIR          write the manifests to DIR (default: dist); DIR changes only on success
  -p, --stdout              write the manifests to stdout as one YAML stream, messages to stderr
  -v, --verbose             print the full policy report on success too (or MEHDB_VERBOSE=1)
      --format plain|helm   a Helm chart instead (needs --chart-version; --chart-api-version v1|v2)
  -h, --help                this text
The config comes from MEHDB_PRESET and MEHDB_CONFIG; NO_COLOR turns colour off.
`;

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** The request a command line makes; `help` when it asks for the usage. Throws UsageError. */
export function parseSynthArgs(argv: readonly string[], defaultOutput: string): SynthRequest | 'help' {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const names: Record<string, string> = { '-o': '--output', '-p': '--stdout', '-v': '--verbose', '-h': '--help' };
  const takesValue = new Set(['--output', '--format', '--chart-version', '--chart-api-version']);
  for (let i = 0; i < argv.length; i++) {
    const [raw, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const name = names[raw] ?? raw;
    if (takesValue.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new UsageError(`${raw} needs a value`);
      if (name in values) throw new UsageError(`${raw} is given twice`);
      values[name] = value;
    } else if (['--stdout', '--verbose', '--help'].includes(name) && inline === undefined) {
      flags.add(name);
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(argv[i])}`);
    }
  }
  if (flags.has('--help')) return 'help';
  const format = values['--format'] ?? 'plain';
  if (format !== 'plain' && format !== 'helm') throw new UsageError(`--format ${format}: use plain or helm`);
  const stdout = flags.has('--stdout');
  if (stdout && values['--output'] !== undefined) throw new UsageError('--output and --stdout exclude each other');
  if (stdout && format === 'helm') throw new UsageError('a Helm chart is a folder: use --output, not --stdout');
  const chartVersion = values['--chart-version'];
  const chartApiVersion = values['--chart-api-version'];
  if (format === 'helm' && chartVersion === undefined) throw new UsageError('--format helm needs --chart-version');
  if (format !== 'helm' && (chartVersion ?? chartApiVersion) !== undefined) throw new UsageError('--chart-version and --chart-api-version need --format helm');
  if (chartVersion !== undefined && !SEMVER.test(chartVersion)) throw new UsageError(`--chart-version ${chartVersion} is not a semantic version (e.g. 1.2.3)`);
  if (chartApiVersion !== undefined && chartApiVersion !== 'v1' && chartApiVersion !== 'v2') throw new UsageError(`--chart-api-version ${chartApiVersion}: use v1 or v2`);
  return {
    output: stdout ? undefined : values['--output'] ?? defaultOutput,
    stdout,
    verbose: flags.has('--verbose'),
    format,
    chartVersion,
    chartApiVersion: format === 'helm' ? (chartApiVersion as 'v1' | 'v2' | undefined) ?? 'v2' : undefined,
  };
}
