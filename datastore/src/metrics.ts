/** A component that reports its own metrics (names, types, help and current values). */
export interface MetricsSource {
  /** Appends this component's metrics to `m`. */
  describeMetrics(m: MetricsText): void;
}

/** The exposition of every source, in order. */
export function renderMetrics(sources: ReadonlyArray<MetricsSource | undefined>): string {
  const m = new MetricsText();
  for (const s of sources) s?.describeMetrics(m);
  return m.toString();
}

/** Prometheus text exposition, written by hand (no runtime dependencies). */
export class MetricsText {
  private lines: string[] = [];

  /** One counter or gauge: a single value, or samples with labels. */
  metric(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Record<string, string>, number]> | number): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    if (typeof samples === 'number') this.lines.push(`${name} ${samples}`);
    else for (const [labels, v] of samples) this.lines.push(`${name}${fmtLabels(labels)} ${v}`);
    return this;
  }

  /** A histogram with cumulative buckets, sum and count. */
  histogram(name: string, help: string, h: Histogram): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    let cum = 0;
    h.bounds.forEach((b, i) => {
      cum += h.counts[i];
      this.lines.push(`${name}_bucket{le="${b}"} ${cum}`);
    });
    this.lines.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
    return this;
  }

  /** The whole exposition. */
  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

function fmtLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Fixed-bucket histogram (seconds). */
export class Histogram {
/** Observations per bucket (not cumulative), aligned with `bounds`. */
  readonly counts: number[];
/** Number of observations. */
  count = 0;
/** Sum of all observations. */
  sum = 0;

  constructor(readonly bounds: number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]) {
    this.counts = bounds.map(() => 0);
  }

  /** Records one observation. */
  observe(v: number): void {
    this.count++;
    this.sum += v;
    const i = this.bounds.findIndex((b) => v <= b);
    if (i >= 0) this.counts[i]++;
  }
}
