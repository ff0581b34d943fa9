import { LlamaCompletion, LlamaVocabularyType, type LlamaCompletionGenerationOptions, type LlamaCompletionResponse, type LlamaContextSequence, type LlamaModel, type Token } from "node-llama-cpp";
import { UserError } from "../../../errors";
import type { CompletionRequest, InfillRequest } from "../../../protocol/openai";
import type { RunnerResult } from "../../../protocol/runner";
import type { LoadedModel } from "./loaded-model";
import { samplingOptions } from "./sampling";
import { generate, type Emit } from "./generate";
import { completeWithLogprobs } from "./logprobs";

type StopReason = "eogToken" | "stopGenerationTrigger" | "maxTokens" | "abort" | "customStopTrigger";

function finish(reason: StopReason) {
  return {
    finishReason: reason === "maxTokens" ? ("length" as const) : ("stop" as const),
    stopType: reason === "maxTokens" ? ("limit" as const) : reason === "customStopTrigger" ? ("word" as const) : ("eos" as const),
  };
}

export async function textCompletion(loaded: LoadedModel, body: CompletionRequest, emit: Emit, signal: AbortSignal): Promise<RunnerResult> {
  const promptText = typeof body.prompt === "string" ? body.prompt : body.prompt[0]!;
  if (body.suffix != null) return fillInTheMiddle(loaded, promptText, body.suffix, body, body.max_tokens, emit, signal);
  // LlamaCompletion puts the beginning token in front itself: handing it one too would evaluate it
  // twice and make the prompt match no cached sequence.
  const beginning = beginningToken(loaded.model);
  const text = loaded.model.tokenize(promptText, false, beginning == null ? undefined : "trimLeadingSpace");
  const prompt = beginning == null ? text : [beginning, ...text];
  if (body.logprobs != null) return completeWithLogprobs(loaded, prompt, body, body.logprobs, emit, signal);
  return generate(
    loaded,
    prompt,
    body.max_tokens,
    (sequence, maxTokens, onToken) =>
      complete(sequence, { ...samplingOptions(loaded.model, body), maxTokens, signal, stopOnAbortSignal: true, onToken, onTextChunk: emit }, (completion, options) =>
        completion.generateCompletionWithMeta(text, options),
      ),
    { cachePrompt: body.cache_prompt },
  );
}

export async function infill(loaded: LoadedModel, body: InfillRequest, emit: Emit, signal: AbortSignal): Promise<RunnerResult> {
  // llama.cpp's server puts extra context (other files) before the prefix; without repository
  // tokens in the model, plain text in front of the prefix is what the model can use.
  const extra = body.input_extra.map((chunk) => (chunk.filename ? `// ${chunk.filename}\n${chunk.text}` : chunk.text)).join("\n");
  const prefix = (extra ? `${extra}\n` : "") + body.prompt + body.input_prefix;
  const sampling = { temperature: body.temperature, top_k: body.top_k, top_p: body.top_p, seed: body.seed, stop: body.stop, cache_prompt: body.cache_prompt };
  return fillInTheMiddle(loaded, prefix, body.input_suffix, sampling, body.n_predict < 0 ? undefined : body.n_predict, emit, signal);
}

async function fillInTheMiddle(
  loaded: LoadedModel,
  prefix: string,
  suffix: string,
  sampling: Parameters<typeof samplingOptions>[1],
  requestedMaxTokens: number | null | undefined,
  emit: Emit,
  signal: AbortSignal,
): Promise<RunnerResult> {
  const { infill: tokens } = loaded.model.tokens;
  if (tokens.prefix == null || tokens.suffix == null || tokens.middle == null)
    throw new UserError("this model has no fill-in-the-middle tokens, so it cannot complete between a prefix and a suffix", {
      param: "suffix",
      code: "fim_not_supported",
      fix: "Use a code model trained for fill-in-the-middle (Qwen2.5-Coder, CodeLlama, StarCoder2, …), or send the prompt without a suffix.",
    });
  const prefixTokens = loaded.model.tokenize(prefix, false, "trimLeadingSpace");
  const suffixTokens = loaded.model.tokenize(suffix, false, "trimLeadingSpace");
  // What node-llama-cpp evaluates, in its order: used to fit the context and to find a sequence
  // that already holds this file's prefix.
  const beginning = beginningToken(loaded.model);
  const prompt = [...(beginning == null ? [] : [beginning]), tokens.prefix, ...prefixTokens, tokens.suffix, ...suffixTokens, tokens.middle];
  return generate(
    loaded,
    prompt,
    requestedMaxTokens,
    (sequence, maxTokens, onToken) =>
      complete(sequence, { ...samplingOptions(loaded.model, sampling), maxTokens, signal, stopOnAbortSignal: true, onToken, onTextChunk: emit }, (completion, options) =>
        completion.generateInfillCompletionWithMeta(prefixTokens, suffixTokens, options),
      ),
    { cachePrompt: sampling.cache_prompt },
  );
}

/** The token LlamaCompletion prepends to a prompt, by node-llama-cpp's own rule (which it does not export). */
function beginningToken(model: LlamaModel): Token | null {
  switch (model.vocabularyType) {
    case LlamaVocabularyType.rwkv:
    case LlamaVocabularyType.ugm:
      return null;
    case LlamaVocabularyType.wpm:
      return model.tokens.bos;
    default:
      return model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
  }
}

/** Runs one generation on a borrowed sequence, which stays with the pool afterwards. */
async function complete(
  sequence: LlamaContextSequence,
  options: LlamaCompletionGenerationOptions,
  run: (completion: LlamaCompletion, options: LlamaCompletionGenerationOptions) => Promise<LlamaCompletionResponse>,
) {
  const completion = new LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
  try {
    const { response, metadata } = await run(completion, options);
    return { text: response, toolCalls: [], ...finish(metadata.stopReason) };
  } finally {
    completion.dispose({ disposeSequence: false });
  }
}
