/** Prometheus text exposition, written by hand (no runtime dependencies). */
export class MetricsText {
  private lines: string[] = [];

  metric(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Record<string, string>, number]> | number): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    if (typeof samples === 'number') this.lines.push(`${name} ${samples}`);
    else for (const [labels, v] of samples) this.lines.push(`${name}${fmtLabels(labels)} ${v}`);
    return this;
  }

  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

function fmtLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}
