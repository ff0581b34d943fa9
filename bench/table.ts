import type { Figures } from "./measure";
import { pairedEstimate, type Estimate } from "./paired";
import type { Verdict } from "./targets";

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
  key: keyof Figures;
  /** Speeds compare as ratios (higher is better); latencies as differences in ms (lower is better). */
  kind: "speed" | "latency";
}

function rows({ shortTokens, longTokens, generatedTokens }: Workload): Row[] {
  return [
    { label: `pp${longTokens} tok/s`, key: "promptTokensPerSecond", kind: "speed" },
    { label: `tg${generatedTokens} tok/s after ${shortTokens}-token prompt`, key: "generationAfterShortTokensPerSecond", kind: "speed" },
    { label: `tg${generatedTokens} tok/s after ${longTokens}-token prompt`, key: "generationAfterLongTokensPerSecond", kind: "speed" },
    { label: `TTFT ms, ${shortTokens}-token prompt`, key: "ttftShortMs", kind: "latency" },
    { label: `TTFT ms, ${longTokens}-token prompt`, key: "ttftLongMs", kind: "latency" },
  ];
}

/** One measured quantity across the columns; the first values are the bars'. */
export interface ComparisonRow {
  label: string;
  /** The figure it shows, where it shows one of `Figures`. */
  key?: keyof Figures;
  kind: Row["kind"];
  values: readonly (number | undefined)[];
}

/** The headline figures of each column, as comparison rows; a figure no column has is left out. */
export function figureRows(columns: readonly Column[], workload: Workload): ComparisonRow[] {
  return rows(workload)
    .map((row) => ({ ...row, values: columns.map((c) => c.figures?.[row.key]) }))
    .filter((row) => row.values.some((value) => value !== undefined));
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
  return layout([header, ...lines]);
}

/**
 * Each round's figures against each bar of that same round, the median over the rounds, and where that median
 * could lie (`medianInterval`). A round measures every contender within seconds, so load that comes and goes
 * between rounds touches a round's figures alike and drops out of their ratio; it does not drop out of medians
 * taken of each column apart, seen here as ±5-10 % on prompt speed from one run to the next. Each bar gets its
 * own column: holding a round to the faster of two noisy bars would count their noise against the others.
 * `rounds` holds each round's rows, as `figureRows` gives them.
 */
export function formatPaired(names: readonly string[], rounds: readonly (readonly ComparisonRow[])[], bars: number): string {
  const pairs = names.slice(bars).flatMap((other, column) => names.slice(0, bars).map((bar, barColumn) => ({ other, column: bars + column, bar, barColumn })));
  const header = ["", ...pairs.map(({ other, bar }) => `${other} / ${bar}`)];
  const lines = rounds[0]!.map((row, index) => {
    const cells = pairs.map(({ column, barColumn }) => {
      const estimate = pairedEstimate(rounds, index, column, barColumn);
      return estimate ? formatEstimate(estimate, row.kind) : "n/a";
    });
    return [row.label, ...cells];
  });
  return layout([header, ...lines]);
}

/**
 * The targets' verdicts, one line per target and bar (see `judgeTargets`), each with its margin: a median of
 * 0.9798× prints as 0.980×, and "missed by 0.0002" says why that misses 0.98×.
 */
export function formatTargets(subject: string, verdicts: readonly Verdict[]): string {
  const lines = verdicts.map(({ label, kind, target, bar, estimate, met }) => {
    const goal = "atLeast" in target ? `≥ ${target.atLeast.toFixed(2)}×` : `≤ ${formatCompared(target.atMostMs, "latency")}`;
    if (!estimate) return [label, goal, bar, "n/a", "not measured"];
    const margin = Math.abs("atLeast" in target ? estimate.median - target.atLeast : target.atMostMs - estimate.median);
    const amount = "atLeast" in target ? margin.toFixed(4) : `${margin.toFixed(2)} ms`;
    return [label, goal, bar, formatEstimate(estimate, kind), met ? `met, ${amount} to spare` : `missed by ${amount}`];
  });
  return layout([["", "target", "against", `${subject}: paired median (90% interval)`, ""], ...lines]);
}

function layout(table: readonly string[][]): string {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  return table.map((line) => line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n");
}

function best(values: readonly (number | undefined)[], kind: Row["kind"]): number | undefined {
  const measured = values.filter((value): value is number => value !== undefined);
  if (measured.length === 0) return undefined;
  return kind === "speed" ? Math.max(...measured) : Math.min(...measured);
}

function compare(value: number | undefined, bar: number | undefined, kind: Row["kind"]): string {
  if (value === undefined || bar === undefined) return "n/a";
  return formatCompared(kind === "speed" ? value / bar : value - bar, kind);
}

/** A ratio for speeds, a difference in milliseconds for latencies. */
function formatCompared(compared: number, kind: Row["kind"]): string {
  return kind === "speed" ? `${compared.toFixed(3)}×` : `${compared >= 0 ? "+" : ""}${compared.toFixed(2)} ms`;
}

/** A paired median with its interval: `0.988× (0.962…1.010)`, `-4.02 ms (-8.10…+1.20)`. */
function formatEstimate({ median, low, high }: Estimate, kind: Row["kind"]): string {
  const bare = (value: number) => (kind === "speed" ? value.toFixed(3) : `${value >= 0 ? "+" : ""}${value.toFixed(2)}`);
  return `${formatCompared(median, kind)} (${bare(low)}…${bare(high)})`;
}

function format(value: number | undefined, digits: number): string {
  return value === undefined ? "n/a" : value.toFixed(digits);
}
