/**
 * The model store's JSON, byte-compatible with Docker Model Runner's local store and its OCI model
 * artifacts, so a model packaged here pushes and pulls with DMR and the other way round. Files the
 * Go side writes carry `null` for empty slices; the schemas accept that and hand out arrays.
 */
import { z } from "zod";

export const MediaType = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  /** Config of an artifact whose layers are addressed by media type (GGUF models). */
  modelConfigV01: "application/vnd.docker.ai.model.config.v0.1+json",
  /** Config of an artifact that keeps one layer per file of a directory, named by `org.cncf.model.filepath`. */
  modelConfigV02: "application/vnd.docker.ai.model.config.v0.2+json",
  gguf: "application/vnd.docker.ai.gguf.v3",
  safetensors: "application/vnd.docker.ai.safetensors",
  license: "application/vnd.docker.ai.license",
  mmproj: "application/vnd.docker.ai.mmproj",
  chatTemplate: "application/vnd.docker.ai.chat.template.jinja",
  /** Any other file of a directory package (config.json, tokenizer files). */
  modelFile: "application/vnd.docker.ai.model.file",
} as const;

export const FILEPATH_ANNOTATION = "org.cncf.model.filepath";

/** The only digest algorithm the store keeps blobs under (`blobs/sha256/<hex>`). */
export const DigestSchema = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" followed by 64 lower-case hex digits');

const nullableArray = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((items) => items ?? []);

export const OciDescriptorSchema = z.looseObject({
  mediaType: z.string().min(1),
  size: z.number().int().nonnegative(),
  digest: DigestSchema,
  annotations: z.record(z.string(), z.string()).optional(),
});
export type OciDescriptor = z.infer<typeof OciDescriptorSchema>;

export const OciManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MediaType.ociManifest),
  config: OciDescriptorSchema,
  layers: z.array(OciDescriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type OciManifest = z.infer<typeof OciManifestSchema>;

/** `config` of DMR's config blob; DMR's Go type is a `map[string]string` for the metadata maps. */
export const ModelConfigSchema = z.looseObject({
  format: z.string().optional(),
  quantization: z.string().optional(),
  parameters: z.string().optional(),
  architecture: z.string().optional(),
  size: z.string().optional(),
  gguf: z.record(z.string(), z.string()).optional(),
  safetensors: z.record(z.string(), z.string()).optional(),
  context_size: z.number().int().positive().nullish(),
});
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

export const ModelConfigFileSchema = z.looseObject({
  config: ModelConfigSchema,
  descriptor: z.looseObject({ created: z.string().optional() }).optional(),
  rootfs: z.looseObject({ type: z.literal("rootfs"), diff_ids: nullableArray(DigestSchema) }),
});
export type ModelConfigFile = z.infer<typeof ModelConfigFileSchema>;

/** One model of `models.json`: `id` is the manifest digest, `files` the layer and config digests. */
export const IndexEntrySchema = z.looseObject({
  id: DigestSchema,
  tags: nullableArray(z.string()),
  files: nullableArray(DigestSchema),
});
export type IndexEntry = z.infer<typeof IndexEntrySchema>;

export const ModelIndexSchema = z.looseObject({ models: nullableArray(IndexEntrySchema) });
export type ModelIndex = z.infer<typeof ModelIndexSchema>;

export const STORE_LAYOUT_VERSION = "1.0.0";
/** `layout.json`, the version of the store's layout. */
export const LayoutFileSchema = z.looseObject({ version: z.string() });
export type LayoutFile = z.infer<typeof LayoutFileSchema>;

/** Go duration as DMR's `keep_alive` takes it, plus "0" (unload at once) and "-1" (never unload). */
export const KeepAliveSchema = z
  .string()
  .regex(/^(?:-1|0|(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/, 'expected a duration like "5m", "1h30m", "0" or "-1"');

export const VllmConfigurationSchema = z.strictObject({
  hfOverrides: z.record(z.string(), z.unknown()).optional(),
  gpuMemoryUtilization: z.number().gt(0).max(1).optional(),
  maxModelLen: z.number().int().positive().optional(),
  tensorParallelSize: z.number().int().positive().optional(),
});
export type VllmConfiguration = z.infer<typeof VllmConfigurationSchema>;

/** What `lmr configure` records for one model; every field falls back to the engine's default. */
export const ModelConfigurationSchema = z.strictObject({
  contextSize: z.number().int().positive().optional(),
  keepAlive: KeepAliveSchema.optional(),
  runtimeFlags: z.array(z.string()).optional(),
  vllm: VllmConfigurationSchema.optional(),
});
export type ModelConfiguration = z.infer<typeof ModelConfigurationSchema>;

/** A change to a configuration: a field left out stays, `null` clears it. */
export const ModelConfigurationPatchSchema = z.strictObject({
  contextSize: ModelConfigurationSchema.shape.contextSize.nullable(),
  keepAlive: ModelConfigurationSchema.shape.keepAlive.nullable(),
  runtimeFlags: ModelConfigurationSchema.shape.runtimeFlags.nullable(),
  vllm: z
    .strictObject({
      hfOverrides: VllmConfigurationSchema.shape.hfOverrides.nullable(),
      gpuMemoryUtilization: VllmConfigurationSchema.shape.gpuMemoryUtilization.nullable(),
      maxModelLen: VllmConfigurationSchema.shape.maxModelLen.nullable(),
      tensorParallelSize: VllmConfigurationSchema.shape.tensorParallelSize.nullable(),
    })
    .nullish(),
});
export type ModelConfigurationPatch = z.infer<typeof ModelConfigurationPatchSchema>;

/** `configurations.json`: configurations by model ID, so every tag of a model shares one. */
export const ConfigurationsFileSchema = z.record(DigestSchema, ModelConfigurationSchema);
export type ConfigurationsFile = z.infer<typeof ConfigurationsFileSchema>;
