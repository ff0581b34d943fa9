import { randomUUID } from "node:crypto";
import type { Runner, RunnerDescription, StreamOptions } from "../engine";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Completion,
  CompletionLogprobs,
  CompletionRequest,
  EmbeddingsRequest,
  EmbeddingsResponse,
  InfillRequest,
  InfillResponse,
  Timings,
  Usage,
} from "../../protocol/openai";
import type { RunnerResult, RunnerUsage, TokenLogprob } from "../../protocol/runner";
import type { RunnerProcess } from "./runner-process";

type TextResult = Extract<RunnerResult, { kind: "text" }>;

/** Turns a runner process's events into OpenAI's response and stream shapes. */
export class LlamaRunner implements Runner {
  readonly engine = "llama.cpp" as const;
  readonly description: RunnerDescription;
  readonly stopped: Promise<void>;

  constructor(
    private readonly process: RunnerProcess,
    private readonly modelName: string,
  ) {
    const { info } = process;
    this.stopped = process.stopped;
    this.description = {
      contextSize: info.contextSize,
      parallel: info.parallel,
      memory: info.memory,
      detail: { gpu: info.gpu, gpuDevices: info.gpuDevices, gpuLayers: info.gpuLayers, threads: info.threads, llamaCpp: info.llamaCppRelease, build: info.build, fim: info.fim },
    };
  }

  async chatCompletion(body: ChatCompletionRequest, { signal, onChunk }: StreamOptions<ChatCompletionChunk>): Promise<ChatCompletion> {
    const id = `chatcmpl-${randomUUID()}`;
    const created = now();
    const chunk = (delta: ChatCompletionChunk["choices"][0]["delta"], finish: ChatCompletionChunk["choices"][0]["finish_reason"] = null): ChatCompletionChunk => ({
      id,
      object: "chat.completion.chunk",
      created,
      model: this.modelName,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    onChunk?.(chunk({ role: "assistant", content: "" }));
    const result = text(await this.process.request("chat", body, signal, onChunk && ((piece) => onChunk(chunk({ content: piece.text })))));
    const toolCalls = result.toolCalls.map((call, index) => ({ id: `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`, type: "function" as const, function: call, index }));
    if (onChunk) {
      if (toolCalls.length > 0) onChunk(chunk({ tool_calls: toolCalls }));
      onChunk({ ...chunk({}, result.finishReason), timings: timings(result.usage) });
      if (body.stream_options?.include_usage) onChunk({ ...chunk({}), choices: [], usage: usage(result.usage) });
    }
    return {
      id,
      object: "chat.completion",
      created,
      model: this.modelName,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: toolCalls.length > 0 && !result.text ? null : result.text,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls.map(({ index: _, ...call }) => call) } : {}),
          },
          finish_reason: result.finishReason,
          logprobs: null,
        },
      ],
      usage: usage(result.usage),
      timings: timings(result.usage),
    };
  }

  async completion(body: CompletionRequest, { signal, onChunk }: StreamOptions<Completion>): Promise<Completion> {
    const id = `cmpl-${randomUUID()}`;
    const created = now();
    const prompt = typeof body.prompt === "string" ? body.prompt : body.prompt[0]!;
    const chunk = (textPart: string, finish: Completion["choices"][0]["finish_reason"] | null, logprobs: CompletionLogprobs | null = null): Completion => ({
      id,
      object: "text_completion",
      created,
      model: this.modelName,
      choices: [{ index: 0, text: textPart, finish_reason: finish as Completion["choices"][0]["finish_reason"], logprobs }],
    });
    // OpenAI counts a token's text_offset from the start of the prompt, echoed or not.
    let streamedTo = prompt.length;
    const streamedLogprobs = (logprob: TokenLogprob | undefined) => {
      if (!logprob) return null;
      const logprobs = completionLogprobs([logprob], streamedTo);
      streamedTo += logprob.token.length;
      return logprobs;
    };
    if (onChunk && body.echo) onChunk(chunk(prompt, null));
    const result = text(await this.process.request("completion", body, signal, onChunk && ((piece) => onChunk(chunk(piece.text, null, streamedLogprobs(piece.logprob))))));
    if (onChunk) {
      onChunk({ ...chunk("", result.finishReason), timings: timings(result.usage) });
      if (body.stream_options?.include_usage) onChunk({ ...chunk("", null), choices: [], usage: usage(result.usage) });
    }
    const logprobs = result.logprobs ? completionLogprobs(result.logprobs, prompt.length) : null;
    return { ...chunk((body.echo ? prompt : "") + result.text, result.finishReason, logprobs), usage: usage(result.usage), timings: timings(result.usage) };
  }

  async embeddings(body: EmbeddingsRequest, { signal }: { signal: AbortSignal }): Promise<EmbeddingsResponse> {
    const result = await this.process.request("embeddings", body, signal);
    if (result.kind !== "embeddings") throw new Error("the runner answered an embeddings request with text");
    return {
      object: "list",
      model: this.modelName,
      data: result.vectors.map((vector, index) => ({
        object: "embedding",
        index,
        embedding: body.encoding_format === "base64" ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector,
      })),
      usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens },
    };
  }

  async infill(body: InfillRequest, { signal, onChunk }: StreamOptions<InfillResponse>): Promise<InfillResponse> {
    const result = text(
      await this.process.request("infill", body, signal, onChunk && ((piece) => onChunk({ content: piece.text, stop: false, tokens_predicted: 0, tokens_evaluated: 0 }))),
    );
    const final: InfillResponse = {
      content: result.text,
      stop: true,
      stop_type: result.stopType,
      tokens_predicted: result.usage.completionTokens,
      tokens_evaluated: result.usage.promptTokens,
      timings: timings(result.usage),
    };
    onChunk?.({ ...final, content: "" });
    return final;
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}

function text(result: RunnerResult): TextResult {
  if (result.kind !== "text") throw new Error("the runner answered a text request with embeddings");
  return result;
}

/** OpenAI's legacy `logprobs` object for generated tokens whose text starts at character `start`. */
function completionLogprobs(entries: readonly TokenLogprob[], start: number): CompletionLogprobs {
  let offset = start;
  return {
    tokens: entries.map((entry) => entry.token),
    token_logprobs: entries.map((entry) => entry.logprob),
    top_logprobs: entries.map((entry) => entry.top),
    text_offset: entries.map((entry) => ((offset += entry.token.length), offset - entry.token.length)),
  };
}

function usage(u: RunnerUsage): Usage {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
  };
}

function timings(u: RunnerUsage): Timings {
  return { prompt_n: u.promptTokens - u.cachedTokens, prompt_ms: u.promptMs, predicted_n: u.completionTokens, predicted_ms: u.predictedMs, cache_n: u.cachedTokens };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
