/**
 * Messages between the host and a llama.cpp runner process (Node IPC). The runner owns the
 * model; the host only routes requests and turns the runner's events into OpenAI shapes.
 */
import { z } from "zod";
import { ChatCompletionRequestSchema, CompletionRequestSchema, EmbeddingsRequestSchema, InfillRequestSchema } from "./openai";

export const RunnerLoadOptionsSchema = z.object({
  modelPath: z.string(),
  contextSize: z.number().int().min(16),
  threads: z.number().int().min(1),
  /** Requests served at once, each on its own sequence of one context (continuous batching). */
  parallel: z.number().int().min(1).max(64),
  gpu: z.enum(["auto", "cuda", "vulkan", "metal", "none"]),
  /** `"auto"` lets node-llama-cpp fit as many layers as the free VRAM holds at this context size. */
  gpuLayers: z.union([z.literal("auto"), z.number().int().min(0)]),
  batchSize: z.number().int().min(1).optional(),
  flashAttention: z.boolean().optional(),
  /**
   * node-llama-cpp loads the llama.cpp built here with these cmake options when there is such a build
   * (`install-runner --build`), else its prebuilt binary; absent while a build is being written.
   */
  cmakeOptions: z.record(z.string(), z.string()).optional(),
});
export type RunnerLoadOptions = z.infer<typeof RunnerLoadOptionsSchema>;

export const RunnerRequestSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("chat"), id: z.number(), body: ChatCompletionRequestSchema }),
  z.object({ kind: z.literal("completion"), id: z.number(), body: CompletionRequestSchema }),
  z.object({ kind: z.literal("infill"), id: z.number(), body: InfillRequestSchema }),
  z.object({ kind: z.literal("embeddings"), id: z.number(), body: EmbeddingsRequestSchema }),
]);
export type RunnerRequest = z.infer<typeof RunnerRequestSchema>;

export const HostToRunnerSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("load"), options: RunnerLoadOptionsSchema }),
  z.object({ type: z.literal("request"), request: RunnerRequestSchema, stream: z.boolean() }),
  z.object({ type: z.literal("cancel"), id: z.number() }),
]);
export type HostToRunner = z.infer<typeof HostToRunnerSchema>;

export interface RunnerInfo {
  llamaCppRelease: string;
  /** llama.cpp built on this machine, or node-llama-cpp's prebuilt binary. */
  build: "local" | "prebuilt";
  gpu: string | false;
  gpuDevices: string[];
  gpuLayers: number;
  contextSize: number;
  parallel: number;
  threads: number;
  trainContextSize: number;
  /** Bytes the model and its context take, as node-llama-cpp measured them. */
  memory: { ram: number; vram: number };
  fim: boolean;
}

export interface RunnerUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  promptMs: number;
  predictedMs: number;
}

export interface RunnerToolCall {
  name: string;
  arguments: string;
}

export type RunnerResult =
  | {
      kind: "text";
      text: string;
      toolCalls: RunnerToolCall[];
      finishReason: "stop" | "length" | "tool_calls";
      /** The stop reason as llama.cpp's server reports it for /infill. */
      stopType: "eos" | "limit" | "word";
      /** One per generated token, when the request asked for them. */
      logprobs?: TokenLogprob[];
      usage: RunnerUsage;
    }
  | { kind: "embeddings"; vectors: number[][]; promptTokens: number };

export interface RunnerErrorPayload {
  /** The host rebuilds the typed error from this class name (see host/errors.ts). */
  errorClass: "UserError" | "EngineError" | "PayloadTooLargeError";
  message: string;
  fix?: string;
  param?: string;
  code?: string;
}

/** One generated token's log probability and the likeliest tokens in its place (OpenAI's `logprobs: N`). */
export interface TokenLogprob {
  token: string;
  logprob: number;
  top: Record<string, number>;
}

/** Generated text; with its token's log probability when the request asked for them (the text may then be empty). */
export interface GeneratedPiece {
  text: string;
  logprob?: TokenLogprob;
}

export type RunnerToHost =
  | { type: "loaded"; info: RunnerInfo }
  | { type: "load-failed"; error: RunnerErrorPayload }
  /** What was generated since the last delta, piece by piece as the model emitted it. */
  | { type: "delta"; id: number; pieces: GeneratedPiece[] }
  | { type: "done"; id: number; result: RunnerResult }
  | { type: "failed"; id: number; error: RunnerErrorPayload }
  | { type: "log"; level: "debug" | "info" | "warn" | "error"; message: string };
