/**
 * The one interface every inference engine implements. The scheduler loads models through it;
 * the API serves requests through the runners it returns. A third engine is a new folder here
 * and one line in engines/registry.ts.
 */
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
  ModelObject,
} from "../protocol/openai";
import type { MemoryEstimate } from "../gguf/memory-estimate";

export type EngineName = "llama.cpp" | "vllm";
export const ENGINE_NAMES: readonly EngineName[] = ["llama.cpp", "vllm"];

export type ModelFormat = "gguf" | "safetensors";

/** What an engine needs to load a model from the store, with its configuration in force. */
export interface ModelToLoad {
  /** The canonical reference, e.g. `ai/smollm2:latest`; also the name the API answers with. */
  name: string;
  id: string;
  format: ModelFormat;
  /** The GGUF file (first shard) or the safetensors folder. */
  path: string;
  contextSize: number;
  runtimeFlags: string[];
  vllm?: { hfOverrides?: Record<string, unknown>; gpuMemoryUtilization?: number; maxModelLen?: number; tensorParallelSize?: number };
}

import type { EngineStatus } from "../protocol/control";

export type { EngineStatus };

export interface RunnerDescription {
  contextSize: number;
  parallel: number;
  memory: { ram: number; vram: number };
  detail: Record<string, unknown>;
}

export interface StreamOptions<Chunk> {
  signal: AbortSignal;
  /** Present when the client asked for a stream; each chunk is sent as it comes. */
  onChunk?: (chunk: Chunk) => void;
}

/** A loaded model, ready to serve OpenAI-shaped requests. */
export interface Runner {
  readonly engine: EngineName;
  readonly description: RunnerDescription;
  /** Settles when the runner stops, on purpose or not; the scheduler then forgets it. */
  readonly stopped: Promise<void>;
  chatCompletion(body: ChatCompletionRequest, options: StreamOptions<ChatCompletionChunk>): Promise<ChatCompletion>;
  completion(body: CompletionRequest, options: StreamOptions<Completion>): Promise<Completion>;
  embeddings(body: EmbeddingsRequest, options: { signal: AbortSignal }): Promise<EmbeddingsResponse>;
  infill(body: InfillRequest, options: StreamOptions<InfillResponse>): Promise<InfillResponse>;
  stop(): Promise<void>;
}

export interface Engine {
  readonly name: EngineName;
  readonly formats: readonly ModelFormat[];
  status(): Promise<EngineStatus>;
  load(model: ModelToLoad): Promise<Runner>;
  /** Bytes the model needs loaded with its configuration, to check it against the memory budget. */
  estimateMemory?(model: ModelToLoad): Promise<MemoryEstimate>;
  /** Refuses runtime flags this engine does not allow, before they are recorded by `configure`. */
  checkRuntimeFlags?(flags: readonly string[]): void;
  /** Models an attached upstream serves without our store (vLLM attached by URL). */
  remoteModels?(): Promise<ModelObject[]>;
  /** A runner for a model that is not in the store but that an attached upstream serves. */
  attachedRunner?(name: string): Promise<Runner | undefined>;
  /** Stops background work (health watches) when the host stops. */
  dispose?(): void;
}
