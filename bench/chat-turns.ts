import type { Contender } from "./contender";
import { median } from "./measure";

export const TURNS = 10;
const GENERATED_TOKENS = 16;
/** Each chat is measured this many times, with a history of its own each time, and the median reported: one try moved ±20 ms from run to run. */
const CHAT_ROUNDS = 3;
/** Histories the measurement needs: one per round with the prompt cache, one without. */
export const CHAT_HISTORIES = 2 * CHAT_ROUNDS;

/** The 10th turn's time to first token with the prompt cache and without it, the median of CHAT_ROUNDS chats each. */
export async function tenthTurnTtfts(contender: Contender, histories: readonly string[], bannedTokens: readonly number[]): Promise<{ cachedMs: number; uncachedMs: number }> {
  const cached: number[] = [];
  const uncached: number[] = [];
  for (let round = 0; round < CHAT_ROUNDS; round++) {
    cached.push(await tenthTurnTtft(contender, histories[2 * round]!, bannedTokens, true));
    uncached.push(await tenthTurnTtft(contender, histories[2 * round + 1]!, bannedTokens, false));
  }
  return { cachedMs: median(cached), uncachedMs: median(uncached) };
}

/**
 * A chat of ten turns, each prompt the previous one plus a new message, as a client resends the
 * whole conversation every turn. Returns the time to first token of the last turn: with the prompt
 * cache only the new message is evaluated; without it (`cache_prompt: false`) the whole history is.
 */
async function tenthTurnTtft(contender: Contender, history: string, bannedTokens: readonly number[], cachePrompt: boolean): Promise<number> {
  const step = Math.ceil(history.length / TURNS);
  let ttftMs = 0;
  for (let turn = 1; turn <= TURNS; turn++) {
    const prompt = history.slice(0, Math.min(history.length, step * turn));
    ({ ttftMs } = await contender.complete({ prompt, maxTokens: GENERATED_TOKENS, bannedTokens, cachePrompt }));
  }
  return ttftMs;
}
