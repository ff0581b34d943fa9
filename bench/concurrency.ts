import type { Contender } from "./contender";
import { median } from "./measure";

export const CONCURRENCY_LEVELS = [1, 2, 4, 8] as const;
/** Each level is measured this many times and the median reported: one try moved by ±30 % from run to run. */
export const CONCURRENCY_ROUNDS = 3;
/** Prompts the measurement needs, none of them sent twice (a second send would come from the cache). */
export const CONCURRENCY_PROMPTS = CONCURRENCY_ROUNDS * Math.max(...CONCURRENCY_LEVELS);
const GENERATED_TOKENS = 64;

/**
 * Aggregate generation speed with 1, 2, 4 and 8 streams at once: all tokens of all streams over
 * the wall time from the first request to the last token. Each stream gets a prompt of its own.
 */
export async function measureConcurrency(contender: Contender, prompts: readonly string[], bannedTokens: readonly number[]): Promise<Map<number, number>> {
  const perRound = prompts.length / CONCURRENCY_ROUNDS;
  const rates = new Map<number, number>();
  for (const level of CONCURRENCY_LEVELS) {
    const tries: number[] = [];
    for (let round = 0; round < CONCURRENCY_ROUNDS; round++) {
      const started = performance.now();
      const samples = await Promise.all(
        prompts.slice(round * perRound, round * perRound + level).map((prompt) => contender.complete({ prompt, maxTokens: GENERATED_TOKENS, bannedTokens })),
      );
      const seconds = (performance.now() - started) / 1000;
      tries.push(samples.reduce((sum, sample) => sum + sample.completionTokens, 0) / seconds);
    }
    rates.set(level, median(tries));
  }
  return rates;
}
