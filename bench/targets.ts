import type { Figures } from "./measure";
import { pairedEstimate, type Estimate } from "./paired";
import type { ComparisonRow } from "./table";

/** What a figure of our API is held to against each llama-server: a ratio at least this, or a difference at most this many ms. */
export type Target = { key: keyof Figures; atLeast: number } | { key: keyof Figures; atMostMs: number };

/** The bars the host issue sets, at the same threads and context depth as llama-server. */
export const TARGETS: readonly Target[] = [
  { key: "promptTokensPerSecond", atLeast: 0.98 },
  { key: "generationAfterShortTokensPerSecond", atLeast: 0.95 },
  { key: "generationAfterLongTokensPerSecond", atLeast: 0.95 },
  { key: "ttftShortMs", atMostMs: 10 },
];

export interface Verdict {
  label: string;
  kind: ComparisonRow["kind"];
  target: Target;
  bar: string;
  /** Undefined where the bar or the subject could not be measured. */
  estimate: Estimate | undefined;
  met: boolean;
}

/**
 * Each target against each bar, judged on the paired median; the interval says how sure that judgement is. On a
 * noisy machine a run can land a median a few percent either side of the code's speed, so a miss whose interval
 * reaches well past the target is unsettled: measure again.
 */
export function judgeTargets(names: readonly string[], rounds: readonly (readonly ComparisonRow[])[], bars: number, subject: string, targets: readonly Target[]): Verdict[] {
  const column = names.indexOf(subject);
  return targets.flatMap((target) => {
    const index = rounds[0]!.findIndex((row) => row.key === target.key);
    // A figure the run left out (`--prompt-only`) has no row and no verdict.
    if (index === -1) return [];
    const { label, kind } = rounds[0]![index]!;
    return names.slice(0, bars).map((bar, barColumn) => {
      const estimate = pairedEstimate(rounds, index, column, barColumn);
      const met = estimate !== undefined && ("atLeast" in target ? estimate.median >= target.atLeast : estimate.median <= target.atMostMs);
      return { label, kind, target, bar, estimate, met };
    });
  });
}
