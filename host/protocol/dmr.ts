/** Bodies of Docker Model Runner's engine-control routes, in DMR's own field names. */
import { z } from "zod";
import { KeepAliveSchema } from "./store";

export const ConfigureRequestSchema = z.object({
  model: z.string().min(1),
  "context-size": z.number().int().min(16).nullish(),
  "runtime-flags": z.array(z.string()).nullish(),
  keep_alive: KeepAliveSchema.nullish(),
  vllm: z
    .object({
      "hf-overrides": z.record(z.string(), z.unknown()).nullish(),
      "gpu-memory-utilization": z.number().gt(0).max(1).nullish(),
      "max-model-len": z.number().int().positive().nullish(),
      "tensor-parallel-size": z.number().int().positive().nullish(),
    })
    .nullish(),
});
export type ConfigureRequest = z.infer<typeof ConfigureRequestSchema>;

export const UnloadRequestSchema = z.object({
  all: z.boolean().optional(),
  backend: z.enum(["llama.cpp", "vllm"]).optional(),
  models: z.array(z.string()).optional(),
});
export type UnloadRequest = z.infer<typeof UnloadRequestSchema>;

export interface PsEntry {
  backend_name: string;
  model_name: string;
  mode: "completion" | "embedding";
  last_used: string;
  in_use: boolean;
  loading: boolean;
  keep_alive: string;
  context_size: number | null;
  memory: { ram: number; vram: number } | null;
}
