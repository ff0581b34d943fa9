import type { Figures } from "./measure";

export interface Column {
  name: string;
  /** Undefined for a contender that could not run here; its cells read "n/a". */
  figures: Figures | undefined;
}

export interface Workload {
  shortTokens: number;
  longTokens: number;
  generatedTokens: number;
}

interface Row {
  label: string;
  value: (figures: Figures) => number;
  /** Speeds compare as ratios (higher is better); latencies as differences in ms (lower is better). */
  kind: "speed" | "latency";
}

function rows({ shortTokens, longTokens, generatedTokens }: Workload): Row[] {
  return [
    { label: `pp${longTokens} tok/s`, value: (f) => f.promptTokensPerSecond, kind: "speed" },
    { label: `tg${generatedTokens} tok/s after ${shortTokens}-token prompt`, value: (f) => f.generationAfterShortTokensPerSecond, kind: "speed" },
    { label: `tg${generatedTokens} tok/s after ${longTokens}-token prompt`, value: (f) => f.generationAfterLongTokensPerSecond, kind: "speed" },
    { label: `TTFT ms, ${shortTokens}-token prompt`, value: (f) => f.ttftShortMs, kind: "latency" },
    { label: `TTFT ms, ${longTokens}-token prompt`, value: (f) => f.ttftLongMs, kind: "latency" },
  ];
}

/** One measured quantity across the columns; the first values are the bars'. */
export interface ComparisonRow {
  label: string;
  kind: Row["kind"];
  values: readonly (number | undefined)[];
}

/** The headline figures of each column, as comparison rows. */
export function figureRows(columns: readonly Column[], workload: Workload): ComparisonRow[] {
  return rows(workload).map((row) => ({ label: row.label, kind: row.kind, values: columns.map((c) => (c.figures ? row.value(c.figures) : undefined)) }));
}

/**
 * Values side by side, then each column after the first `bars` against the best of those bars in its row: a
 * ratio for speeds, a difference in milliseconds for times to first token.
 */
export function formatComparison(names: readonly string[], body: readonly ComparisonRow[], bars = 1): string {
  const others = names.slice(bars);
  const barName = bars === 1 ? names[0] : "best bar";
  const header = ["", ...names, ...others.map((name) => `${name} / ${barName}`)];
  const lines = body.map((row) => {
    const bar = best(row.values.slice(0, bars), row.kind);
    return [
      row.label,
      ...row.values.map((value) => format(value, row.kind === "speed" ? 1 : 2)),
      ...row.values.slice(bars).map((value) => compare(value, bar, row.kind)),
    ];
  });
  const table = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  return table.map((line) => line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n");
}

function best(values: readonly (number | undefined)[], kind: Row["kind"]): number | undefined {
  const measured = values.filter((value): value is number => value !== undefined);
  if (measured.length === 0) return undefined;
  return kind === "speed" ? Math.max(...measured) : Math.min(...measured);
}

function compare(value: number | undefined, bar: number | undefined, kind: Row["kind"]): string {
  if (value === undefined || bar === undefined) return "n/a";
  if (kind === "speed") return `${(value / bar).toFixed(3)}×`;
  const difference = value - bar;
  return `${difference >= 0 ? "+" : ""}${difference.toFixed(2)} ms`;
}

function format(value: number | undefined, digits: number): string {
  return value === undefined ? "n/a" : value.toFixed(digits);
}
