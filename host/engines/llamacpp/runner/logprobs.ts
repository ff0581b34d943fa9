import type { LlamaModel, Token } from "node-llama-cpp";
import type { CompletionRequest } from "../../../protocol/openai";
import type { RunnerResult, TokenLogprob } from "../../../protocol/runner";
import { generate, type Emit } from "./generate";
import type { LoadedModel } from "./loaded-model";
import { samplingOptions } from "./sampling";
import { sharedPrefixLength } from "./sequence-pool";

/** What a log probability of 0 probability reads as: JSON has no -Infinity. */
const LOGPROB_FLOOR = -9999;

/**
 * A text completion that reports each token's log probability and the `top` likeliest tokens in its place
 * (OpenAI's `logprobs: N`). LlamaCompletion exposes no probabilities, so this drives the sequence itself
 * through node-llama-cpp's `evaluateWithMetadata`. The probabilities are those of the distribution each
 * token was drawn from, after top-k, top-p, min-p and temperature, as llama.cpp's server reports them with
 * `post_sampling_probs`; a greedy request (temperature 0) sees the model's own.
 */
export async function completeWithLogprobs(loaded: LoadedModel, prompt: readonly Token[], body: CompletionRequest, top: number, emit: Emit, signal: AbortSignal): Promise<RunnerResult> {
  const { model } = loaded;
  const sampling = samplingOptions(model, body);
  const stops = sampling.customStopTriggers;
  // Text that could still become a stop string is held back until it cannot.
  const holdBack = Math.max(0, ...stops.map((stop) => stop.length - 1));
  return generate(
    loaded,
    prompt,
    body.max_tokens,
    async (sequence, maxTokens, onToken) => {
      // As LlamaCompletion does: keep the cached prefix, evaluate the rest (at least one token, for its logits).
      const keep = Math.min(sharedPrefixLength(sequence.contextTokens, prompt), prompt.length - 1);
      if (keep < sequence.nextTokenIndex) await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
      const generated: Token[] = [];
      const logprobs: TokenLogprob[] = [];
      let text = "";
      let sent = 0;
      // Text up to `settled` tokens is final; only the tokens after it are detokenized again, since a
      // character split over tokens reads as U+FFFD until its last byte comes.
      let settled = 0;
      let settledText = "";
      let finish: { finishReason: "stop" | "length"; stopType: "eos" | "limit" | "word" } = { finishReason: "length", stopType: "limit" };
      const tokens = sequence.evaluateWithMetadata([...prompt.slice(keep)], { probabilities: true }, {
        temperature: sampling.temperature,
        topK: sampling.topK,
        topP: sampling.topP,
        minP: sampling.minP,
        seed: sampling.seed,
        tokenBias: sampling.tokenBias,
        repeatPenalty: sampling.repeatPenalty ? { ...sampling.repeatPenalty, punishTokens: () => generated } : undefined,
        yieldEogToken: true,
      });
      for await (const { token, probabilities } of tokens) {
        if (signal.aborted || model.isEogToken(token)) {
          finish = { finishReason: "stop", stopType: "eos" };
          break;
        }
        const piece = model.detokenize([token], false, generated);
        generated.push(token);
        onToken();
        const logprob = { token: piece, logprob: logOf(probabilities.get(token)), top: likeliest(model, probabilities, top, generated) };
        logprobs.push(logprob);
        text = settledText + model.detokenize(generated.slice(settled), false, generated.slice(0, settled));
        if (!text.endsWith("\uFFFD")) [settled, settledText] = [generated.length, text];
        const stopAt = firstStop(text, stops, Math.max(0, sent - holdBack));
        if (stopAt !== undefined) {
          text = text.slice(0, stopAt);
          emit(text.slice(sent), logprob);
          finish = { finishReason: "stop", stopType: "word" };
          break;
        }
        // A character whose bytes span tokens waits for its last byte.
        const ready = text.endsWith("\uFFFD") ? sent : Math.max(sent, text.length - holdBack);
        emit(text.slice(sent, ready), logprob);
        sent = ready;
        if (generated.length >= maxTokens) break;
      }
      if (finish.stopType !== "word" && sent < text.length) emit(text.slice(sent));
      return { text, toolCalls: [], ...finish, logprobs };
    },
    { cachePrompt: body.cache_prompt },
  );
}

function logOf(probability: number | undefined): number {
  return probability ? Math.max(Math.log(probability), LOGPROB_FLOOR) : LOGPROB_FLOOR;
}

/** The `count` likeliest tokens (the map comes sorted, likeliest first) as text → log probability. */
function likeliest(model: LlamaModel, probabilities: Map<Token, number>, count: number, before: readonly Token[]): Record<string, number> {
  const top: Record<string, number> = {};
  const context = before.slice(0, -1);
  for (const [token, probability] of probabilities) {
    if (Object.keys(top).length >= count) break;
    top[model.detokenize([token], false, context)] ??= logOf(probability);
  }
  return top;
}

function firstStop(text: string, stops: readonly string[], from: number): number | undefined {
  const found = stops.map((stop) => text.indexOf(stop, from)).filter((index) => index >= 0);
  return found.length > 0 ? Math.min(...found) : undefined;
}
