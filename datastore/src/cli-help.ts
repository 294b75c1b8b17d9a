import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS, Setting } from './cli-settings';

/*
 * The two renderings of SETTINGS: `mehdb --help` and the configuration table of
 * datastore/README.md. Run as a script (`node dist/src/cli-help.js`) it rewrites that table in
 * the README; test/cli.test.ts fails when the README's table differs from `settingsMarkdown()`.
 */

const WIDTH = 80;
const INDENT = '      ';

/** Markdown to plain text: the settings use backticks only. */
function plain(markdown: string): string {
  return markdown.replace(/`/g, '');
}

/** Words of `text` in lines of at most WIDTH columns, each starting with `indent`. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines;
}

/** `--port PORT`, `--solo[=true|false]`, `--local`. */
function synopsis(s: Setting): string {
  if (s.kind === 'value') return `${s.flag} ${s.arg}`;
  return s.kind === 'boolean' ? `${s.flag}[=true|false]` : s.flag;
}

function helpEntry(s: Setting): string[] {
  const head = `  ${synopsis(s).padEnd(28)} ${s.env}`;
  return [head, ...wrap(`${plain(s.doc)}. Default: ${plain(s.default)}.`, INDENT)];
}

/** The text of `mehdb --help`. */
export function helpText(version: string): string {
  const lines = [
    'Usage: mehdb --data-dir DIR [OPTION...]',
    '       mehdb --help | --version',
    '',
    `mehdb ${version}: a small leader/follower key-value datastore for Kubernetes StatefulSets.`,
    'It serves its HTTP API on --bind:--port (0.0.0.0:9876 unless told otherwise, without',
    'authentication) and keeps its data in --data-dir, which is required: nothing is written',
    'to the current directory unless you name it.',
    '',
    'Every option can also be set by its environment variable; an option given here wins.',
    'Example: mehdb --data-dir /tmp/mehdb --bind 127.0.0.1',
  ];
  const groups = [...new Set(SETTINGS.map((s) => s.group))];
  for (const group of groups) lines.push('', `${group}:`, ...SETTINGS.filter((s) => s.group === group).flatMap(helpEntry));
  lines.push('', 'Other:', `  ${'--help, -h'.padEnd(28)} print this help and exit`, `  ${'--version'.padEnd(28)} print the version and exit`, '');
  lines.push(...wrap('Exit codes: 0 after --help, --version or a clean stop (SIGTERM, SIGINT); 2 for a bad argument or setting; 1 when the data directory cannot be opened or the port cannot be listened on.', ''));
  return lines.join('\n') + '\n';
}

/** The README's configuration table (Markdown), one row per setting. */
export function settingsMarkdown(): string {
  const rows = SETTINGS.map((s) => {
    const flag = `\`${synopsis(s)}\``;
    const doc = s.group.startsWith('Failover') && s.env !== 'MEHDB_FAILOVER' ? `(\`lease\`) ${s.doc}` : s.doc;
    return `| ${[flag, `\`${s.env}\``, s.default, doc].map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  });
  return ['| flag | variable | default | meaning |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}

/** Markers around the generated table in datastore/README.md. */
export const README_MARKERS = {
  begin: '<!-- settings table: generated from src/cli-settings.ts by `node dist/src/cli-help.js`; do not edit by hand -->',
  end: '<!-- end of settings table -->',
} as const;

/** The README text with the table between the markers replaced; throws when a marker is missing. */
export function withSettingsTable(readme: string): string {
  const begin = readme.indexOf(README_MARKERS.begin);
  const end = readme.indexOf(README_MARKERS.end);
  if (begin < 0 || end < begin) throw new Error('datastore/README.md: settings table markers missing');
  return readme.slice(0, begin + README_MARKERS.begin.length) + '\n' + settingsMarkdown() + readme.slice(end);
}

if (require.main === module) {
  const file = path.join(__dirname, '..', '..', 'README.md');
  fs.writeFileSync(file, withSettingsTable(fs.readFileSync(file, 'utf8')));
  process.stdout.write(`rewrote the settings table in ${file}\n`);
}
