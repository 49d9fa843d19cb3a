// Prometheus metrics in the text exposition format (version 0.0.4), written here rather than pulled in:
// the agent needs counters, gauges and histograms with labels, which is a page of code, and the format
// is small and stable. Names and labels are checked when a metric is made, so a typo fails at start-up,
// not as a scrape error on some later day.

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Labels<L extends string> = Record<L, string | number>;

interface Metric {
  readonly name: string;
  render(): string;
}

/** Where a metric's lines come from at scrape time: kept values, or a callback that reads the source. */
abstract class Family<L extends string> implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly type: 'counter' | 'gauge' | 'histogram',
    protected readonly labelNames: readonly L[],
  ) {
    if (!NAME.test(name)) throw new Error(`"${name}" is not a valid Prometheus metric name.`);
    for (const label of labelNames) {
      if (!LABEL.test(label) || label.startsWith('__') || label === 'le') throw new Error(`"${label}" cannot be a label of ${name}.`);
    }
  }

  render(): string {
    const lines = this.samples();
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n${lines.join('')}`;
  }

  protected abstract samples(): string[];

  /** The label set as a key (and, rendered, as `{a="1",b="x"}`), checked against the declared names. */
  protected key(labels: Partial<Labels<L>> | undefined): string {
    const given = Object.keys(labels ?? {});
    if (given.length !== this.labelNames.length || this.labelNames.some((name) => !(name in (labels ?? {})))) {
      throw new Error(`${this.name} takes the labels ${this.labelNames.join(', ') || '(none)'}; got ${given.join(', ') || '(none)'}.`);
    }
    return this.labelNames.map((name) => `${name}="${escapeLabel(String((labels as Labels<L>)[name]))}"`).join(',');
  }
}

/** A value that only goes up: requests, deploys, rollbacks. */
export class Counter<L extends string = never> extends Family<L> {
  private readonly values = new Map<string, number>();

  constructor(name: string, help: string, labelNames: readonly L[] = []) {
    super(name, help, 'counter', labelNames);
  }

  inc(labels?: Labels<L>, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name} is a counter: it cannot go down (by ${by}).`);
    const key = this.key(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  protected samples(): string[] {
    return [...this.values].map(([key, value]) => sample(this.name, key, value));
  }
}

/** A value read when Prometheus scrapes: jobs by state, the oldest waiting job, memory. */
export class Gauge<L extends string = never> extends Family<L> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    private readonly read: () => Iterable<{ labels?: Labels<L>; value: number }>,
  ) {
    super(name, help, 'gauge', labelNames);
  }

  protected samples(): string[] {
    return [...this.read()].map(({ labels, value }) => sample(this.name, this.key(labels), value));
  }
}

/** Durations: cumulative buckets, a sum and a count per label set. */
export class Histogram<L extends string = never> extends Family<L> {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  private readonly bounds: readonly number[];

  constructor(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]) {
    super(name, help, 'histogram', labelNames);
    const sorted = [...buckets].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((bound, index) => !Number.isFinite(bound) || bound === sorted[index - 1])) {
      throw new Error(`${name} needs distinct finite bucket bounds.`);
    }
    this.bounds = sorted;
  }

  observe(labels: Labels<L> | undefined, value: number): void {
    if (!Number.isFinite(value)) return;
    const key = this.key(labels);
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { counts: this.bounds.map(() => 0), sum: 0, count: 0 }));
    // Each bucket counts every observation at or below its bound ("le"), as the format requires.
    this.bounds.forEach((bound, index) => {
      if (value <= bound) series.counts[index]++;
    });
    series.sum += value;
    series.count++;
  }

  protected samples(): string[] {
    const lines: string[] = [];
    for (const [key, series] of this.series) {
      const prefix = key ? `${key},` : '';
      this.bounds.forEach((bound, index) => lines.push(sample(`${this.name}_bucket`, `${prefix}le="${formatNumber(bound)}"`, series.counts[index])));
      lines.push(sample(`${this.name}_bucket`, `${prefix}le="+Inf"`, series.count));
      lines.push(sample(`${this.name}_sum`, key, series.sum));
      lines.push(sample(`${this.name}_count`, key, series.count));
    }
    return lines;
  }
}

/** The metrics one /metrics answer shows, in registration order. */
export class Registry {
  private readonly metrics = new Map<string, Metric>();

  register<M extends Metric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`The metric ${metric.name} is registered twice.`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  /** The exposition text. A gauge whose source fails is left out (and named in a comment), not the scrape. */
  render(): string {
    const parts: string[] = [];
    for (const metric of this.metrics.values()) {
      try {
        parts.push(metric.render());
      } catch (error) {
        parts.push(`# ${metric.name} unavailable: ${escapeHelp(error instanceof Error ? error.message : String(error))}\n`);
      }
    }
    return parts.join('');
  }
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function sample(name: string, labels: string, value: number): string {
  return `${name}${labels ? `{${labels}}` : ''} ${formatNumber(value)}\n`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
