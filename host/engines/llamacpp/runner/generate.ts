import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { UserError } from "../../../errors";
import type { RunnerResult, TokenLogprob } from "../../../protocol/runner";
import type { LoadedModel } from "./loaded-model";
import { sharedPrefixLength } from "./sequence-pool";

/** Hands generated text on; with `logprob` for a request that asked for log probabilities (the text may then be empty). */
export type Emit = (text: string, logprob?: TokenLogprob) => void;

type Generation = Omit<Extract<RunnerResult, { kind: "text" }>, "kind" | "usage">;

/**
 * The lifecycle every text generation shares: refuse a prompt that cannot fit, lend a sequence
 * (preferring the one that already holds the prompt's prefix), bound the output to the room left
 * in the context, and measure usage and timings in llama.cpp server's terms.
 */
export async function generate(
  loaded: LoadedModel,
  prompt: readonly Token[],
  requestedMaxTokens: number | null | undefined,
  run: (sequence: LlamaContextSequence, maxTokens: number, onToken: () => void) => Promise<Generation>,
  { cachePrompt = true }: { cachePrompt?: boolean | null } = {},
): Promise<RunnerResult> {
  const room = loaded.contextSize - prompt.length;
  if (room <= 0)
    throw new UserError(
      `the prompt is ${prompt.length} tokens long, but the model's context holds ${loaded.contextSize}`,
      {
        code: "context_length_exceeded",
        param: "messages",
        fix: `Shorten the prompt, or raise the context size: lmr configure --context-size ${nextPowerOfTwo(prompt.length + 256)} MODEL`,
      },
    );
  const maxTokens = Math.min(requestedMaxTokens ?? room, room);
  const sequence = await loaded.pool.acquire(prompt);
  try {
    if (cachePrompt === false) await sequence.clearHistory();
    const cachedTokens = sharedPrefixLength(sequence.contextTokens, prompt);
    const start = performance.now();
    // Counted by the sequence's meter: a tool call's tokens never reach onToken as text does.
    const outputBefore = sequence.tokenMeter.usedOutputTokens;
    let firstTokenAt: number | undefined;
    const generation = await run(sequence, maxTokens, () => {
      firstTokenAt ??= performance.now();
    });
    const end = performance.now();
    const completionTokens = sequence.tokenMeter.usedOutputTokens - outputBefore;
    return {
      kind: "text",
      ...generation,
      usage: {
        promptTokens: prompt.length,
        completionTokens,
        cachedTokens,
        promptMs: (firstTokenAt ?? end) - start,
        predictedMs: end - (firstTokenAt ?? end),
      },
    };
  } finally {
    loaded.pool.release(sequence);
  }
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}
