/** Prometheus' text exposition format for the few metric kinds the host keeps. */

type Labels = Record<string, string>;

const key = (labels: Labels) => JSON.stringify(Object.entries(labels).sort());
const escape = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const render = (labels: Labels, extra: Labels = {}) => {
  const all = Object.entries({ ...labels, ...extra });
  return all.length ? `{${all.map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}` : "";
};

interface Metric {
  expose(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, private readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const entry = this.values.get(key(labels)) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key(labels), entry);
  }

  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${render(labels)} ${value}`);
    return lines.join("\n");
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, private readonly help: string, private readonly buckets: number[]) {}

  observe(value: number, labels: Labels = {}): void {
    const entry = this.series.get(key(labels)) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.buckets.forEach((bound, i) => {
      if (value <= bound) entry.counts[i]!++;
    });
    entry.sum += value;
    entry.count++;
    this.series.set(key(labels), entry);
  }

  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket${render(labels, { le: String(bound) })} ${counts[i]}`));
      lines.push(`${this.name}_bucket${render(labels, { le: "+Inf" })} ${count}`, `${this.name}_sum${render(labels)} ${sum}`, `${this.name}_count${render(labels)} ${count}`);
    }
    return lines.join("\n");
  }
}

/** A value read when scraped (queue depth, loaded models), rather than kept. */
export class Gauge implements Metric {
  constructor(readonly name: string, private readonly help: string, private readonly read: () => { labels: Labels; value: number }[]) {}

  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const { labels, value } of this.read()) lines.push(`${this.name}${render(labels)} ${value}`);
    return lines.join("\n");
  }
}

export function exposition(metrics: Metric[]): string {
  return `${metrics.map((metric) => metric.expose()).join("\n")}\n`;
}
