/**
 * The OpenAI-compatible wire shapes the host accepts and returns. Unknown top-level request fields
 * are kept rather than refused: llama.cpp ignores them, and an attached vLLM gets them unchanged
 * (its own sampling extras, say), as an OpenAI-compatible proxy should.
 */
import { z } from "zod";

const stop = z.union([z.string(), z.array(z.string()).max(16)]).optional();

/** Sampling fields shared by chat and legacy completions, including llama.cpp's extras. */
const sampling = {
  max_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  min_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: stop.nullable(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: z.record(z.string().regex(/^\d+$/, "logit_bias keys are token ids"), z.number().min(-100).max(100)).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  n: z.literal(1, { message: "only n=1 is supported" }).nullish(),
  /** llama.cpp's server option; the benchmark uses it to generate a fixed number of tokens. */
  ignore_eos: z.boolean().nullish(),
  /** llama.cpp's server option: false evaluates the whole prompt again instead of reusing the KV cache. */
  cache_prompt: z.boolean().nullish(),
};

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const messageContent = z.union([z.string(), z.array(textPart)]);

export const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

export const ChatMessageSchema = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: messageContent }),
  z.object({ role: z.literal("developer"), content: messageContent }),
  z.object({ role: z.literal("user"), content: messageContent }),
  z.object({
    role: z.literal("assistant"),
    content: messageContent.nullish(),
    tool_calls: z.array(ToolCallSchema).nullish(),
  }),
  z.object({ role: z.literal("tool"), content: messageContent, tool_call_id: z.string() }),
]);
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

const jsonSchema = z.record(z.string(), z.unknown());

export const ToolSchema = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "function names are 1-64 letters, digits, _ or -"),
    description: z.string().optional(),
    parameters: jsonSchema.optional(),
  }),
});
export type Tool = z.infer<typeof ToolSchema>;

export const ResponseFormatSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({ name: z.string().optional(), schema: jsonSchema, strict: z.boolean().nullish() }),
  }),
]);
export type ResponseFormat = z.infer<typeof ResponseFormatSchema>;

export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessageSchema).min(1, "messages must hold at least one message"),
  max_completion_tokens: z.number().int().min(1).nullish(),
  response_format: ResponseFormatSchema.nullish(),
  tools: z.array(ToolSchema).nullish(),
  tool_choice: z
    .union([
      z.enum(["none", "auto", "required"]),
      z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
    ])
    .nullish(),
  ...sampling,
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

export const CompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()).length(1, "only one prompt per request is supported")]),
  suffix: z.string().nullish(),
  echo: z.boolean().nullish(),
  logprobs: z.number().int().min(0).max(5).nullish(),
  ...sampling,
});
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

export const EmbeddingsRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.number().int().min(1).nullish(),
});
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequestSchema>;

/** llama.cpp server's `/infill`, which editor completion plugins built for llama.cpp call. */
export const InfillRequestSchema = z.object({
  model: z.string().min(1).optional(),
  input_prefix: z.string().default(""),
  input_suffix: z.string().default(""),
  input_extra: z.array(z.object({ filename: z.string().optional(), text: z.string() })).default([]),
  prompt: z.string().default(""),
  n_predict: z.number().int().min(-1).default(128),
  temperature: z.number().min(0).max(2).optional(),
  top_k: z.number().int().min(0).optional(),
  top_p: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string()).optional(),
  stream: z.boolean().default(false),
  cache_prompt: z.boolean().optional(),
  t_max_predict_ms: z.number().int().min(0).optional(),
});
export type InfillRequest = z.infer<typeof InfillRequestSchema>;

export type FinishReason = "stop" | "length" | "tool_calls";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** How many prompt tokens were served from the runner's KV cache instead of being evaluated. */
  prompt_tokens_details?: { cached_tokens: number };
}

/** Per-request timings in llama.cpp server's shape, so its clients and our benchmark can read them. */
export interface Timings {
  prompt_n: number;
  prompt_ms: number;
  predicted_n: number;
  predicted_ms: number;
  cache_n: number;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: 0;
    message: { role: "assistant"; content: string | null; tool_calls?: ToolCall[] };
    finish_reason: FinishReason;
    logprobs: null;
  }[];
  usage: Usage;
  timings?: Timings;
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: 0;
    delta: {
      role?: "assistant";
      content?: string | null;
      tool_calls?: (Partial<ToolCall> & { index: number })[];
    };
    finish_reason: FinishReason | null;
    logprobs: null;
  }[];
  usage?: Usage | null;
  timings?: Timings;
}

export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Record<string, number>[] | null;
  text_offset: number[];
}

export interface Completion {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  choices: { index: 0; text: string; finish_reason: FinishReason; logprobs: CompletionLogprobs | null }[];
  usage?: Usage | null;
  timings?: Timings;
}

export interface EmbeddingsResponse {
  object: "list";
  model: string;
  data: { object: "embedding"; index: number; embedding: number[] | string }[];
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface InfillResponse {
  content: string;
  stop: boolean;
  tokens_predicted: number;
  tokens_evaluated: number;
  stop_type?: "eos" | "limit" | "word";
  timings?: Timings;
}

export interface ModelObject {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  context_window?: number;
  architecture?: string;
  parameters?: string;
  quantization?: string;
  size?: string;
  format?: string;
  engine?: string;
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
