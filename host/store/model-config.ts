/**
 * The `config` object of a DMR model artifact, computed from the weights' headers the way Docker
 * Model Runner computes it, so `docker model inspect` and `lmr inspect` agree on what a package holds.
 */
import { z } from "zod";
import { formatParameterCount, parameterCount, quantizationOf } from "../gguf/quantization";
import type { GgufHeader, GgufValue } from "../gguf/types";
import type { ModelConfig } from "../protocol/store";
import type { SafetensorsHeader } from "./safetensors";
import { formatBytes } from "../format-bytes";

/** DMR leaves out metadata arrays longer than this (vocabularies, merges), which would bloat the config. */
const MAX_METADATA_ARRAY = 50;

/** `headers` are the shards' headers in order; the first carries the model's metadata. */
export function ggufModelConfig(headers: readonly GgufHeader[], fileBytes: number, contextSize?: number): ModelConfig {
  const first: Pick<GgufHeader, "metadata" | "tensors"> = headers[0] ?? { metadata: {}, tensors: [] };
  const architecture = first.metadata["general.architecture"];
  return {
    format: "gguf",
    quantization: quantizationOf(first),
    parameters: formatParameterCount(parameterCount(headers.flatMap((header) => header.tensors))),
    architecture: typeof architecture === "string" ? architecture : "",
    size: formatBytes(fileBytes),
    gguf: metadataStrings(first.metadata),
    ...(contextSize === undefined ? {} : { context_size: contextSize }),
  };
}

/** Keys of a Hugging Face config.json that hold the context length, in llama.cpp's converter's order. */
const CONTEXT_KEYS = ["max_position_embeddings", "n_ctx", "n_positions", "max_length", "max_sequence_length", "model_max_length"] as const;

export const HfConfigSchema = z.looseObject({
  architectures: z.array(z.string()).optional(),
  model_type: z.string().optional(),
  ...Object.fromEntries(CONTEXT_KEYS.map((key) => [key, z.number().int().positive().optional().catch(undefined)])),
});
export type HfConfig = z.infer<typeof HfConfigSchema>;

export function safetensorsModelConfig(headers: readonly SafetensorsHeader[], hfConfig: HfConfig | undefined, fileBytes: number): ModelConfig {
  const tensors = headers.flatMap((header) => Object.values(header.tensors));
  const dtypes = new Set(tensors.map((tensor) => tensor.dtype));
  const contextSize = CONTEXT_KEYS.map((key) => hfConfig?.[key]).find((value): value is number => typeof value === "number");
  return {
    format: "safetensors",
    quantization: dtypes.size === 0 ? "unknown" : dtypes.size === 1 ? [...dtypes][0] : "mixed",
    parameters: formatParameterCount(tensors.reduce((total, tensor) => total + tensor.shape.reduce((product, dim) => product * dim, 1), 0)),
    architecture: hfConfig?.architectures?.[0] ?? hfConfig?.model_type ?? "",
    size: formatBytes(fileBytes),
    safetensors: { ...Object.assign({}, ...headers.map((header) => header.metadata)), tensor_count: String(tensors.length) },
    ...(contextSize === undefined ? {} : { context_size: contextSize }),
  };
}

/** DMR's config keeps GGUF metadata as strings (a Go `map[string]string`), arrays joined by ", ". */
function metadataStrings(metadata: Record<string, GgufValue>): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (Array.isArray(value) && value.length > MAX_METADATA_ARRAY) continue;
    strings[key] = metadataString(value);
  }
  return strings;
}

function metadataString(value: GgufValue): string {
  if (Array.isArray(value)) return value.map((item) => (Array.isArray(item) ? `[${metadataString(item)}]` : metadataString(item))).join(", ");
  // Go's %f, which DMR uses for floats; the header no longer says which numbers were floats, so integral ones print as integers.
  if (typeof value === "number" && !Number.isInteger(value)) return value.toFixed(6);
  return String(value);
}
