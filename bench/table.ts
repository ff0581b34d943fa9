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

/**
 * The figures side by side, then each contender against the bar: a ratio for speeds, a difference
 * in milliseconds for times to first token.
 */
export function formatTable(bar: Column, contenders: readonly Column[], workload: Workload): string {
  const header = ["", bar.name, ...contenders.map((c) => c.name), ...contenders.map((c) => `${c.name} / ${bar.name}`)];
  const body = rows(workload).map((row) => {
    const value = (column: Column) => (column.figures ? row.value(column.figures) : undefined);
    const barValue = value(bar);
    return [
      row.label,
      ...[bar, ...contenders].map((column) => format(value(column), row.kind === "speed" ? 1 : 2)),
      ...contenders.map((column) => compare(value(column), barValue, row.kind)),
    ];
  });
  const table = [header, ...body];
  const widths = header.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  return table.map((line) => line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n");
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
