import { TokenBias, type LlamaModel, type Token } from "node-llama-cpp";
import { UserError } from "../../../errors";

/** The sampling fields chat and legacy completions share, as the OpenAI request carries them. */
export interface OpenAISampling {
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  min_p?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  ignore_eos?: boolean | null;
  cache_prompt?: boolean | null;
}

/** llama.cpp server's default, which Docker Model Runner clients get when they send none. */
const DEFAULT_TEMPERATURE = 0.8;

export function samplingOptions(model: LlamaModel, request: OpenAISampling) {
  const stops = request.stop == null ? [] : Array.isArray(request.stop) ? request.stop : [request.stop];
  const penalize = request.presence_penalty || request.frequency_penalty;
  return {
    temperature: request.temperature ?? DEFAULT_TEMPERATURE,
    topP: request.top_p ?? undefined,
    topK: request.top_k ?? undefined,
    minP: request.min_p ?? undefined,
    seed: request.seed ?? undefined,
    customStopTriggers: stops.filter((s) => s.length > 0),
    repeatPenalty: penalize
      ? {
          penalty: 1,
          presencePenalty: request.presence_penalty ?? 0,
          frequencyPenalty: request.frequency_penalty ?? 0,
        }
      : (false as const),
    tokenBias: tokenBias(model, request),
  };
}

function tokenBias(model: LlamaModel, request: OpenAISampling): TokenBias | undefined {
  const entries = Object.entries(request.logit_bias ?? {});
  if (entries.length === 0 && !request.ignore_eos) return undefined;
  const bias = new TokenBias(model.tokenizer);
  const vocabularySize = vocabularySizeOf(model);
  for (const [key, value] of entries) {
    const token = Number(key);
    if (token >= vocabularySize)
      throw new UserError(`logit_bias names token ${token}, but the model's vocabulary has ${vocabularySize} tokens`, {
        param: "logit_bias",
        fix: `Use token ids below ${vocabularySize}.`,
      });
    // OpenAI documents -100 as "ban the token"; everything else is added to the logit.
    bias.set(token as Token, value <= -100 ? "never" : { logit: value });
  }
  if (request.ignore_eos) {
    for (const token of [model.tokens.eos, model.tokens.eot].filter((t): t is Token => t != null))
      bias.set(token, "never");
  }
  return bias;
}

function vocabularySizeOf(model: LlamaModel): number {
  const tokens = (model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: unknown[] } } }).tokenizer?.ggml?.tokens;
  return tokens?.length ?? Number.MAX_SAFE_INTEGER;
}
