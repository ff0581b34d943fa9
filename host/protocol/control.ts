/**
 * The editor's control channel: JSON-RPC over the host's stdin/stdout, served by host/control/ and called by the
 * extension through vscode-languageclient. Each side parses what the other sends with these schemas. Inference
 * does not travel here; it goes over the HTTP API whose address `lmr/status` gives.
 */
import { z } from "zod";
import { ModelConfigFileSchema, ModelConfigurationPatchSchema, ModelConfigurationSchema } from "./store";

const EngineNameSchema = z.enum(["llama.cpp", "vllm"]);
const ModelNameSchema = z.string().trim().min(1, "a model name is needed, e.g. ai/smollm2");
/** LSP's progress token: the client makes one per long request and follows `$/progress` on it. */
const WorkDoneTokenSchema = z.union([z.string(), z.number()]).optional();
/** The part of every request's params that asks for `$/progress`. */
export const WorkDoneParamsSchema = z.looseObject({ workDoneToken: WorkDoneTokenSchema });
const EmptySchema = z.object({});

export const EngineStatusSchema = z.object({
  name: EngineNameSchema,
  state: z.enum(["running", "not-installed", "error"]),
  version: z.string().optional(),
  detail: z.string(),
  gpu: z
    .object({
      backend: z.string(),
      devices: z.array(z.string()),
      freeMemory: z.number().optional(),
      totalMemory: z.number().optional(),
    })
    .optional(),
});
export type EngineStatus = z.infer<typeof EngineStatusSchema>;

export const HostStatusSchema = z.object({
  version: z.string(),
  /** The HTTP API's origin: OpenAI routes under `/engines/v1`, `/infill`, Docker Model Runner's routes. */
  url: z.string(),
  modelsPath: z.string(),
  engines: z.array(EngineStatusSchema),
});
export type HostStatus = z.infer<typeof HostStatusSchema>;

/** One name of a local model, as `lmr ls` lists it, with whether a runner holds it now. */
export const LocalModelSchema = z.object({
  name: z.string(),
  created: z.number(),
  contextWindow: z.number().optional(),
  architecture: z.string().optional(),
  parameters: z.string().optional(),
  quantization: z.string().optional(),
  size: z.string().optional(),
  format: z.string().optional(),
  engine: EngineNameSchema,
  loaded: z.boolean(),
});
export type LocalModel = z.infer<typeof LocalModelSchema>;

export const ModelDetailsSchema = z.object({
  id: z.string(),
  tags: z.array(z.string()),
  created: z.string().optional(),
  /** Bytes of its layers. */
  size: z.number(),
  /** The OCI config blob: format, quantization, GGUF metadata. */
  config: ModelConfigFileSchema,
  /** What `lmr configure` set. */
  configuration: ModelConfigurationSchema,
});
export type ModelDetails = z.infer<typeof ModelDetailsSchema>;

export const LoadedModelSchema = z.object({
  model: z.string(),
  engine: EngineNameSchema,
  loading: z.boolean(),
  inUse: z.number(),
  contextSize: z.number().optional(),
  keepAlive: z.string(),
  lastUsed: z.string(),
  memory: z.object({ ram: z.number(), vram: z.number() }).optional(),
});
export type LoadedModel = z.infer<typeof LoadedModelSchema>;

export const LogLineSchema = z.object({
  time: z.string(),
  level: z.enum(["debug", "info", "warn", "error"]),
  source: z.string(),
  message: z.string(),
});

/** What llama.cpp needs to run a model at a context size, known from its GGUF header before downloading. */
const MemoryEstimateSchema = z.object({ weights: z.number(), kvCache: z.number(), compute: z.number(), total: z.number() });

/** One quantization a repository offers, as `lmr quants` lists it. */
export const QuantizationSchema = z.object({
  /** What to pull it by. */
  reference: z.string(),
  tag: z.string(),
  quantization: z.string(),
  bitsPerWeight: z.number(),
  parameters: z.string(),
  /** Bytes to download. */
  size: z.number(),
  memory: MemoryEstimateSchema,
  /** Its memory at the context size fits the free memory. */
  fits: z.boolean(),
});
export type Quantization = z.infer<typeof QuantizationSchema>;

export const QuantizationListSchema = z.object({
  reference: z.string(),
  /** Tokens of context the memory is estimated for. */
  contextSize: z.number(),
  /** What a model can use here: the GPU's free VRAM when llama.cpp runs on one, else free RAM. */
  free: z.object({ bytes: z.number(), kind: z.enum(["VRAM", "RAM"]) }),
  quantizations: z.array(QuantizationSchema),
});
export type QuantizationList = z.infer<typeof QuantizationListSchema>;

function request<Params extends z.ZodType, Result extends z.ZodType>(method: string, params: Params, result: Result) {
  return { method, params, result };
}

export const ControlRequests = {
  status: request("lmr/status", EmptySchema, HostStatusSchema),
  models: request("lmr/models", EmptySchema, z.array(LocalModelSchema)),
  inspect: request("lmr/inspect", z.object({ model: ModelNameSchema }), ModelDetailsSchema),
  pull: request(
    "lmr/pull",
    z.object({ reference: ModelNameSchema, workDoneToken: WorkDoneTokenSchema }),
    z.object({ name: z.string(), id: z.string() }),
  ),
  push: request(
    "lmr/push",
    z.object({ model: ModelNameSchema, workDoneToken: WorkDoneTokenSchema }),
    z.object({ reference: z.string(), digest: z.string() }),
  ),
  /** Packages a GGUF file (any shard) or a safetensors folder into the store, and optionally pushes it. */
  package: request(
    "lmr/package",
    z.object({
      path: z.string().min(1, "a GGUF file or a safetensors folder is needed"),
      name: ModelNameSchema,
      licenses: z.array(z.string()).optional(),
      contextSize: z.number().int().min(16).optional(),
      push: z.boolean().default(false),
      workDoneToken: WorkDoneTokenSchema,
    }),
    z.object({ name: z.string(), id: z.string() }),
  ),
  /** `lmr install-runner --build`: llama.cpp built for this CPU; runners started afterwards load it. */
  build: request("lmr/build", z.object({ workDoneToken: WorkDoneTokenSchema }), z.object({ release: z.string(), seconds: z.number() })),
  /** Loads a model ahead of its first request, as `lmr run --detach` does. */
  load: request("lmr/load", z.object({ model: ModelNameSchema, workDoneToken: WorkDoneTokenSchema }), LoadedModelSchema),
  remove: request(
    "lmr/remove",
    z.object({ model: ModelNameSchema, force: z.boolean().default(false) }),
    z.object({ untagged: z.array(z.string()), deleted: z.string().optional() }),
  ),
  tag: request("lmr/tag", z.object({ source: ModelNameSchema, target: ModelNameSchema }), z.object({ target: z.string() })),
  configure: request(
    "lmr/configure",
    z.object({ model: ModelNameSchema, patch: ModelConfigurationPatchSchema.partial() }),
    ModelConfigurationSchema,
  ),
  ps: request("lmr/ps", EmptySchema, z.array(LoadedModelSchema)),
  unload: request(
    "lmr/unload",
    z.object({ models: z.array(z.string()).optional(), engine: EngineNameSchema.optional() }),
    z.object({ unloaded: z.number() }),
  ),
  logs: request("lmr/logs", EmptySchema, z.array(LogLineSchema)),
  /**
   * Every quantization of the reference's repository, read from the registry without downloading the weights.
   * Memory is estimated at `contextSize`, else at the context configured for the model when it is local, else
   * at Docker Model Runner's default.
   */
  quants: request(
    "lmr/quants",
    z.object({ reference: ModelNameSchema, contextSize: z.number().int().min(16).optional() }),
    QuantizationListSchema,
  ),
};
export type ControlRequestName = keyof typeof ControlRequests;
export type ControlParams<Name extends ControlRequestName> = z.input<(typeof ControlRequests)[Name]["params"]>;
export type ControlResult<Name extends ControlRequestName> = z.infer<(typeof ControlRequests)[Name]["result"]>;

/** Sent by the host when something outside the editor's own requests changed what it shows. */
export const ControlNotifications = {
  /** The store's index or configurations changed: a pull, remove, tag or configure from any client. */
  storeChanged: "lmr/storeChanged",
  /** A model started or finished loading, or was unloaded. */
  enginesChanged: "lmr/enginesChanged",
} as const;

/** `data` of a JSON-RPC error the host answers with: the error class's fields, so the editor can show the fix. */
export const ControlErrorDataSchema = z.object({
  type: z.string(),
  fix: z.string().optional(),
  code: z.string().optional(),
});
export type ControlErrorData = z.infer<typeof ControlErrorDataSchema>;
