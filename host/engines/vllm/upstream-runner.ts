import { AuthenticationError, EngineUnavailableError, NotFoundError, UpstreamError, UserError, type LmrError } from "../../errors";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Completion,
  CompletionRequest,
  EmbeddingsRequest,
  EmbeddingsResponse,
  InfillRequest,
  InfillResponse,
  OpenAIErrorBody,
} from "../../protocol/openai";
import { sseEvents } from "../../protocol/sse";
import type { EngineName, Runner, RunnerDescription, StreamOptions } from "../engine";

export interface Upstream {
  /** The OpenAI base URL, ending in `/v1`. */
  baseUrl: URL;
  apiKey?: string;
}

/**
 * A runner that is an OpenAI-compatible server elsewhere: a vLLM we launched, or one (or any
 * compatible server) attached by URL. Requests go through as they came, under the upstream's name
 * for the model; answers come back under ours.
 */
export class UpstreamRunner implements Runner {
  readonly description: RunnerDescription;

  constructor(
    readonly engine: EngineName,
    private readonly upstream: Upstream,
    /** The name the upstream serves the model under. */
    private readonly servedName: string,
    /** The name clients asked for. */
    private readonly modelName: string,
    readonly stopped: Promise<void>,
    private readonly onStop: () => Promise<void>,
    description: Partial<RunnerDescription> = {},
  ) {
    this.description = { contextSize: 0, parallel: 256, memory: { ram: 0, vram: 0 }, detail: { upstream: upstream.baseUrl.origin }, ...description };
  }

  async chatCompletion(body: ChatCompletionRequest, options: StreamOptions<ChatCompletionChunk>): Promise<ChatCompletion> {
    if (!options.onChunk) return this.post<ChatCompletion>("chat/completions", body, options.signal);
    let content = "";
    let last: ChatCompletionChunk | undefined;
    for await (const chunk of this.stream<ChatCompletionChunk>("chat/completions", body, options.signal)) {
      content += chunk.choices[0]?.delta.content ?? "";
      last = chunk;
      options.onChunk(chunk);
    }
    return {
      id: last?.id ?? "",
      object: "chat.completion",
      created: last?.created ?? 0,
      model: this.modelName,
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: last?.choices[0]?.finish_reason ?? "stop", logprobs: null }],
      usage: last?.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    };
  }

  async completion(body: CompletionRequest, options: StreamOptions<Completion>): Promise<Completion> {
    if (!options.onChunk) return this.post<Completion>("completions", body, options.signal);
    let text = "";
    let last: Completion | undefined;
    for await (const chunk of this.stream<Completion>("completions", body, options.signal)) {
      text += chunk.choices[0]?.text ?? "";
      last = chunk;
      options.onChunk(chunk);
    }
    return { ...(last as Completion), model: this.modelName, choices: [{ index: 0, text, finish_reason: last?.choices[0]?.finish_reason ?? "stop", logprobs: null }] };
  }

  embeddings(body: EmbeddingsRequest, { signal }: { signal: AbortSignal }): Promise<EmbeddingsResponse> {
    return this.post<EmbeddingsResponse>("embeddings", body, signal);
  }

  async infill(_body: InfillRequest, _options: StreamOptions<InfillResponse>): Promise<InfillResponse> {
    throw new UserError(`${this.modelName} runs on ${this.engine}, which has no fill-in-the-middle route`, {
      fix: "Use a GGUF code model on llama.cpp for /infill, or send a completion with a suffix.",
    });
  }

  stop(): Promise<void> {
    return this.onStop();
  }

  private async post<T extends { model: string }>(path: string, body: object, signal: AbortSignal): Promise<T> {
    const response = await this.send(path, { ...body, model: this.servedName, stream: false }, signal);
    return { ...((await response.json()) as T), model: this.modelName };
  }

  private async *stream<T extends { model: string }>(path: string, body: object, signal: AbortSignal): AsyncGenerator<T> {
    const response = await this.send(path, { ...body, model: this.servedName, stream: true }, signal);
    for await (const event of sseEvents(response)) yield { ...(event as T), model: this.modelName };
  }

  private async send(path: string, body: object, signal: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(`${this.upstream.baseUrl.pathname.replace(/\/$/, "")}/${path}`, this.upstream.baseUrl), {
        method: "POST",
        signal,
        headers: { "content-type": "application/json", ...(this.upstream.apiKey ? { authorization: `Bearer ${this.upstream.apiKey}` } : {}) },
        body: JSON.stringify(body),
      });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new EngineUnavailableError(`the ${this.engine} server at ${this.upstream.baseUrl.origin} does not answer`, {
        fix: "Check that it is running and reachable; `lmr status` shows its health.",
        cause: error,
      });
    }
    if (!response.ok) throw await upstreamError(response, this.upstream.baseUrl);
    return response;
  }
}

export async function upstreamError(response: Response, base: URL): Promise<LmrError> {
  const text = await response.text();
  let message = text.slice(0, 500) || response.statusText;
  try {
    const parsed = JSON.parse(text) as Partial<OpenAIErrorBody> & { message?: string; detail?: string };
    message = parsed.error?.message ?? parsed.message ?? parsed.detail ?? message;
  } catch {
    // Not JSON: the text itself is the message.
  }
  const from = `${base.origin} answered ${response.status}: ${message}`;
  if (response.status === 401 || response.status === 403)
    return new AuthenticationError(from, { fix: "Set the upstream's API key: lmr serve --vllm-api-key KEY (or LMR_VLLM_API_KEY)." });
  if (response.status === 404) return new NotFoundError(from);
  if (response.status >= 400 && response.status < 500) return new UserError(from);
  return new UpstreamError(from);
}
