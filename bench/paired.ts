import { median, medianInterval } from "./measure";
import type { ComparisonRow } from "./table";

/** A paired median and where it could lie (see `medianInterval`). */
export interface Estimate {
  median: number;
  low: number;
  high: number;
}

/**
 * One row's column against a bar, round by round (a ratio for speeds, a difference in ms for latencies), as the
 * median over the rounds; undefined where a round lacks either. `rounds` holds each round's rows, as
 * `figureRows` gives them.
 */
export function pairedEstimate(rounds: readonly (readonly ComparisonRow[])[], index: number, column: number, barColumn: number): Estimate | undefined {
  const compared: number[] = [];
  for (const round of rounds) {
    const { values, kind } = round[index]!;
    const value = values[column];
    const bar = values[barColumn];
    if (value === undefined || bar === undefined) return undefined;
    compared.push(kind === "speed" ? value / bar : value - bar);
  }
  return { median: median(compared), ...medianInterval(compared) };
}
