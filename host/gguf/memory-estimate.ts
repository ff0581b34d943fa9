import { z } from "zod";
import type { GgufHeader } from "./types";

export interface MemoryEstimate {
  /** The weights, as large in memory as on disk. */
  weights: number;
  /** Keys and values of `contextSize` tokens, in F16 as llama.cpp keeps them by default. */
  kvCache: number;
  /** llama.cpp's scratch buffers for one batch: the logits over the vocabulary and the activations. */
  compute: number;
  total: number;
}

/** llama.cpp's default logical batch: the compute buffers grow with it, not with the context. */
const batchTokens = 512;
const f16Bytes = 2;
const f32Bytes = 4;

const count = z.union([z.number(), z.bigint()]).transform(Number);
/** Some architectures give per-layer head counts (an array), most a single number. */
const perLayer = z.union([count, z.array(count)]);

/**
 * What llama.cpp needs to run a model at a context size, from its GGUF header alone (so it can be known before
 * the weights are downloaded). The weights' bytes come from the caller: a split model's header holds only its
 * first shard's tensors, while the manifest or file list knows every shard's size.
 */
export function estimateMemory(header: GgufHeader, options: { weightBytes: number; contextSize: number }): MemoryEstimate {
  const arch = String(header.metadata["general.architecture"] ?? "llama");
  const key = (name: string) => header.metadata[`${arch}.${name}`];
  const layers = count.safeParse(key("block_count")).data ?? 0;
  const embedding = count.safeParse(key("embedding_length")).data ?? 0;
  const heads = perLayer.safeParse(key("attention.head_count")).data ?? 1;
  const kvHeads = perLayer.safeParse(key("attention.head_count_kv")).data ?? heads;
  const headDim = embedding / Math.max(1, first(heads));
  const keyLength = count.safeParse(key("attention.key_length")).data ?? headDim;
  const valueLength = count.safeParse(key("attention.value_length")).data ?? headDim;
  const kvHeadsTotal = Array.isArray(kvHeads) ? kvHeads.reduce((sum, value) => sum + value, 0) : kvHeads * layers;
  const kvCache = options.contextSize * kvHeadsTotal * (keyLength + valueLength) * f16Bytes;

  const tokens = header.metadata["tokenizer.ggml.tokens"];
  const vocabulary = count.safeParse(key("vocab_size")).data ?? (Array.isArray(tokens) ? tokens.length : 0);
  // The logits of a batch, plus a handful of activation buffers of the batch's width.
  const compute = batchTokens * (vocabulary + 8 * embedding) * f32Bytes;

  const weights = options.weightBytes;
  return { weights, kvCache, compute, total: weights + kvCache + compute };
}

function first(value: number | number[]): number {
  return Array.isArray(value) ? (value[0] ?? 1) : value;
}
