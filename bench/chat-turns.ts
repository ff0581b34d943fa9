import type { Contender } from "./contender";

export const TURNS = 10;
const GENERATED_TOKENS = 16;

/**
 * A chat of ten turns, each prompt the previous one plus a new message, as a client resends the
 * whole conversation every turn. Returns the time to first token of the last turn: with the prompt
 * cache only the new message is evaluated; without it (`cache_prompt: false`) the whole history is.
 */
export async function tenthTurnTtft(contender: Contender, history: string, bannedTokens: readonly number[], cachePrompt: boolean): Promise<number> {
  const step = Math.ceil(history.length / TURNS);
  let ttftMs = 0;
  for (let turn = 1; turn <= TURNS; turn++) {
    const prompt = history.slice(0, Math.min(history.length, step * turn));
    ({ ttftMs } = await contender.complete({ prompt, maxTokens: GENERATED_TOKENS, bannedTokens, cachePrompt }));
  }
  return ttftMs;
}
