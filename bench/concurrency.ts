import type { Contender } from "./contender";

export const CONCURRENCY_LEVELS = [1, 2, 4, 8] as const;
const GENERATED_TOKENS = 64;

/**
 * Aggregate generation speed with 1, 2, 4 and 8 streams at once: all tokens of all streams over
 * the wall time from the first request to the last token. Each stream gets a prompt of its own.
 */
export async function measureConcurrency(contender: Contender, prompts: readonly string[], bannedTokens: readonly number[]): Promise<Map<number, number>> {
  const rates = new Map<number, number>();
  for (const level of CONCURRENCY_LEVELS) {
    const started = performance.now();
    const samples = await Promise.all(
      prompts.slice(0, level).map((prompt) => contender.complete({ prompt, maxTokens: GENERATED_TOKENS, bannedTokens })),
    );
    const seconds = (performance.now() - started) / 1000;
    rates.set(level, samples.reduce((sum, sample) => sum + sample.completionTokens, 0) / seconds);
  }
  return rates;
}
