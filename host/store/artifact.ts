/**
 * Reading and writing DMR's OCI model artifacts: the manifest and the config blob. Digests are taken
 * over the exact bytes, so a manifest is kept as it arrived and only parsed to be understood.
 */
import { UpstreamError } from "../errors";
import {
  MediaType,
  type ModelConfig,
  type ModelConfigFile,
  ModelConfigFileSchema,
  type OciDescriptor,
  type OciManifest,
  OciManifestSchema,
} from "../protocol/store";
import type { BlobInfo } from "./blobs";

const MODEL_CONFIG_MEDIA_TYPES: ReadonlySet<string> = new Set([MediaType.modelConfigV01, MediaType.modelConfigV02]);
const WEIGHT_MEDIA_TYPES: ReadonlySet<string> = new Set([MediaType.gguf, MediaType.safetensors]);

export function parseManifest(raw: Uint8Array | string): OciManifest {
  const manifest = OciManifestSchema.safeParse(parseJson(raw));
  if (!manifest.success) {
    throw new UpstreamError(`The manifest is not an OCI image manifest: ${manifest.error.issues[0]?.message ?? "unreadable"}.`, {
      fix: "Check that the reference names a model artifact (docker model package or lmr package builds one).",
      code: "invalid_manifest",
    });
  }
  if (!MODEL_CONFIG_MEDIA_TYPES.has(manifest.data.config.mediaType)) {
    throw new UpstreamError(`The artifact is not a model: its config is "${manifest.data.config.mediaType}".`, {
      fix: `Only Docker model artifacts (config ${MediaType.modelConfigV01} or v0.2) can be run; container images cannot.`,
      code: "not_a_model",
    });
  }
  if (!manifest.data.layers.some((layer) => WEIGHT_MEDIA_TYPES.has(layer.mediaType))) {
    throw new UpstreamError("The model artifact has no GGUF or safetensors layer.", {
      fix: "Package the model again with lmr package --gguf FILE or --safetensors-dir DIR.",
      code: "not_a_model",
    });
  }
  return manifest.data;
}

export function parseConfigFile(raw: Uint8Array | string): ModelConfigFile {
  const config = ModelConfigFileSchema.safeParse(parseJson(raw));
  if (!config.success) {
    throw new UpstreamError(`The model config is not DMR's config JSON: ${config.error.issues[0]?.message ?? "unreadable"}.`, {
      fix: "Package the model again with lmr package.",
      code: "invalid_model_config",
    });
  }
  return config.data;
}

/** The config blob's JSON, its keys in DMR's order so the same model yields the same digest. */
export function serializeConfigFile(config: ModelConfig, created: Date, diffIds: string[]): string {
  const file = {
    config,
    descriptor: { created: created.toISOString() },
    rootfs: { type: "rootfs", diff_ids: diffIds },
  };
  return JSON.stringify(file);
}

export interface ArtifactLayer extends BlobInfo {
  mediaType: string;
  annotations?: Record<string, string>;
}

export function serializeManifest(configMediaType: string, config: BlobInfo, layers: ArtifactLayer[]): string {
  const descriptor = (mediaType: string, blob: BlobInfo, annotations?: Record<string, string>): OciDescriptor => ({
    mediaType,
    size: blob.size,
    digest: blob.digest,
    ...(annotations ? { annotations } : {}),
  });
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: descriptor(configMediaType, config),
    layers: layers.map((layer) => descriptor(layer.mediaType, layer, layer.annotations)),
  };
  return JSON.stringify(manifest);
}

function parseJson(raw: Uint8Array | string): unknown {
  try {
    return JSON.parse(typeof raw === "string" ? raw : Buffer.from(raw).toString("utf8"));
  } catch {
    return undefined;
  }
}
