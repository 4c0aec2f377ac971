/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format at `GET /metrics`. Kept in-house because the collector needs a dozen series and
 * no push, exemplars or default process metrics.
 */
type Labels = Record<string, string>;

interface Series {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: Map<string, number>;
  buckets?: number[];
}

export class Metrics {
  private readonly series = new Map<string, Series>();

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const series = this.define(name, help, 'counter');
    return (labels = {}, by = 1) => {
      const key = labelKey(labels);
      series.values.set(key, (series.values.get(key) ?? 0) + by);
    };
  }

  gauge(name: string, help: string, read: () => number): void {
    const series = this.define(name, help, 'gauge');
    Object.defineProperty(series, 'read', { value: read });
  }

  histogram(name: string, help: string, buckets: number[]): (value: number, labels?: Labels) => void {
    const series = this.define(name, help, 'histogram');
    series.buckets = buckets;
    return (value, labels = {}) => {
      const base = labelKey(labels);
      for (const bound of buckets) {
        if (value <= bound) bump(series.values, joinLabels(base, `le="${bound}"`));
      }
      bump(series.values, joinLabels(base, 'le="+Inf"'));
      series.values.set(`sum|${base}`, (series.values.get(`sum|${base}`) ?? 0) + value);
      bump(series.values, `count|${base}`);
    };
  }

  /** Current value of a counter or gauge series, for tests and start-up summaries. */
  value(name: string, labels: Labels = {}): number {
    const series = this.series.get(name);
    if (!series) return 0;
    const read = (series as Series & { read?: () => number }).read;
    if (read) return read();
    return series.values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, series] of this.series) {
      lines.push(`# HELP ${name} ${series.help}`, `# TYPE ${name} ${series.type}`);
      const read = (series as Series & { read?: () => number }).read;
      if (read) {
        lines.push(`${name} ${read()}`);
        continue;
      }
      for (const [key, value] of series.values) {
        if (series.type !== 'histogram') lines.push(`${name}${braces(key)} ${value}`);
        else if (key.startsWith('sum|')) lines.push(`${name}_sum${braces(key.slice(4))} ${value}`);
        else if (key.startsWith('count|')) lines.push(`${name}_count${braces(key.slice(6))} ${value}`);
        else lines.push(`${name}_bucket${braces(key)} ${value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }

  private define(name: string, help: string, type: Series['type']): Series {
    const existing = this.series.get(name);
    if (existing) return existing;
    const series: Series = { help, type, values: new Map() };
    this.series.set(name, series);
    return series;
  }
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}="${labels[key]!.replace(/["\\\n]/g, '_')}"`)
    .join(',');
}

function joinLabels(a: string, b: string): string {
  return a === '' ? b : `${a},${b}`;
}

function braces(key: string): string {
  return key === '' ? '' : `{${key}}`;
}

function bump(values: Map<string, number>, key: string): void {
  values.set(key, (values.get(key) ?? 0) + 1);
}
