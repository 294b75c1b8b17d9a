import { PolicyFinding, PolicySeverity } from './evaluate';

/** How many findings of each severity. */
export interface PolicyCounts {
  readonly errors: number;
  readonly warnings: number;
  readonly exceptions: number;
}

/** How a report is written: `color` only when the stream is a terminal and NO_COLOR is unset. */
export interface ReportStyle {
  readonly color: boolean;
}

const SEVERITY_ORDER: readonly PolicySeverity[] = ['error', 'warning', 'exception'];
const ANSI = { red: 31, yellow: 33, cyan: 36, bold: 1 } as const;

function painter({ color }: ReportStyle) {
  return (code: keyof typeof ANSI, text: string) => (color ? `\u001b[${ANSI[code]}m${text}\u001b[0m` : text);
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function countFindings(findings: readonly PolicyFinding[]): PolicyCounts {
  const count = (severity: PolicySeverity) => findings.filter(f => f.severity === severity).length;
  return { errors: count('error'), warnings: count('warning'), exceptions: count('exception') };
}

/**
 * The one line a synth prints for the policy, e.g.
 * `policy: 0 errors, 0 warnings, 5 declared exceptions (npm run policy:report)`; `note` ends it
 * (with its leading space or colon).
 */
export function policySummaryLine(counts: PolicyCounts, note: string, style: ReportStyle): string {
  const paint = painter(style);
  const errors = plural(counts.errors, 'error', 'errors');
  const warnings = plural(counts.warnings, 'warning', 'warnings');
  return `policy: ${counts.errors ? paint('red', errors) : errors}, ${counts.warnings ? paint('yellow', warnings) : warnings}, `
    + `${plural(counts.exceptions, 'declared exception', 'declared exceptions')}${note}`;
}

/**
 * Every finding, errors first, then warnings, then the declared exceptions: the rule and the
 * object, the construct that made it, where in which manifest, what the rule asks for (or why the
 * exception is declared) and the fix. Ends with a newline; empty when there is nothing to report.
 */
export function formatPolicyReport(findings: readonly PolicyFinding[], style: ReportStyle): string {
  const paint = painter(style);
  const label: Record<PolicySeverity, string> = {
    error: paint('red', 'error'), warning: paint('yellow', 'warning'), exception: paint('cyan', 'declared exception'),
  };
  const sorted = [...findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  return sorted.map(f => {
    const { kind, metadata } = f.object;
    const object = `${kind}/${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name}`;
    const lines = [
      `${label[f.severity]} ${paint('bold', f.rule)}: ${object}${f.constructPath ? ` (construct ${f.constructPath})` : ''}`,
      ...f.locations.map(at => `  at     ${f.manifestPath}: ${at}`),
      `  ${f.severity === 'exception' ? 'reason' : 'rule  '} ${f.recommendation}`,
    ];
    if (f.severity !== 'exception') lines.push(`  fix    ${f.fix}`);
    return `${lines.join('\n')}\n`;
  }).join('');
}
