/**
 * `lmr package`: turns local weights into a DMR model artifact in the store, the same artifact
 * `docker model package` builds, ready to run or push. GGUF models get config v0.1 with one layer per
 * shard; a safetensors directory gets config v0.2 with one layer per file, named by its path.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { UserError } from "../errors";
import { readGgufHeader } from "../gguf/reader";
import { FILEPATH_ANNOTATION, MediaType, type ModelConfig } from "../protocol/store";
import { type ArtifactLayer, serializeConfigFile, serializeManifest } from "./artifact";
import { type HfConfig, HfConfigSchema, ggufModelConfig, safetensorsModelConfig } from "./model-config";
import type { ModelReference } from "./reference";
import { readSafetensorsHeader } from "./safetensors";
import { ggufShards } from "./shards";
import type { ModelStore, StoredModel } from "./store";

type Names = string | ModelReference | ReadonlyArray<string | ModelReference>;

export interface PackageGgufOptions {
  /** Any shard of a split model; the others are found next to it. */
  gguf: string;
  license?: string | string[];
  chatTemplate?: string;
  /** A multimodal projector (`mmproj-*.gguf`). */
  mmproj?: string;
  contextSize?: number;
  /** The artifact's creation time; fixing it makes the same files yield the same model ID. */
  created?: Date;
}

export async function packageGguf(store: ModelStore, options: PackageGgufOptions, names: Names): Promise<StoredModel> {
  if (options.contextSize !== undefined && !(Number.isInteger(options.contextSize) && options.contextSize > 0 && options.contextSize <= 2 ** 31 - 1)) {
    throw new UserError(`Invalid context size ${options.contextSize}: it is a positive whole number of tokens.`, {
      fix: "For example: --context-size 8192",
      param: "contextSize",
      code: "invalid_context_size",
    });
  }
  const shards = await ggufShards(options.gguf);
  const headers = await Promise.all(shards.map((shard) => readGgufHeader(shard)));
  const weights = await importLayers(store, shards, () => MediaType.gguf);
  const extras = await importLayers(
    store,
    [...[options.license ?? []].flat(), ...(options.mmproj ? [options.mmproj] : []), ...(options.chatTemplate ? [options.chatTemplate] : [])],
    (file) => (file === options.mmproj ? MediaType.mmproj : file === options.chatTemplate ? MediaType.chatTemplate : MediaType.license),
  );
  const bytes = weights.reduce((total, layer) => total + layer.size, 0);
  const config = ggufModelConfig(headers, bytes, options.contextSize);
  return commit(store, names, MediaType.modelConfigV01, config, [...weights, ...extras], options.created);
}

export interface PackageSafetensorsOptions {
  /** A Hugging Face model directory: config.json, tokenizer files, *.safetensors. */
  dir: string;
  license?: string | string[];
  created?: Date;
}

export async function packageSafetensors(store: ModelStore, options: PackageSafetensorsOptions, names: Names): Promise<StoredModel> {
  const files = await directoryFiles(options.dir);
  const weights = files.filter((file) => mediaTypeOf(file) === MediaType.safetensors);
  if (weights.length === 0) {
    throw new UserError(`${options.dir} holds no .safetensors file.`, {
      fix: "Point --safetensors-dir at a Hugging Face model directory (config.json, tokenizer files, *.safetensors).",
      code: "no_weights",
    });
  }
  const packaged = files.filter((file) => mediaTypeOf(file) !== undefined);
  const layers = await importLayers(store, packaged.map((file) => path.join(options.dir, ...file.split("/"))), (_, index) => mediaTypeOf(packaged[index]!)!, (index) => ({
    [FILEPATH_ANNOTATION]: packaged[index]!,
  }));
  const licenses = await importLayers(store, [options.license ?? []].flat(), () => MediaType.license);
  const headers = await Promise.all(weights.map((file) => readSafetensorsHeader(path.join(options.dir, ...file.split("/")))));
  const bytes = layers.filter((layer) => layer.mediaType === MediaType.safetensors).reduce((total, layer) => total + layer.size, 0);
  const config = safetensorsModelConfig(headers, await readHfConfig(options.dir), bytes);
  return commit(store, names, MediaType.modelConfigV02, config, [...layers, ...licenses], options.created);
}

/** The directory's config.json when it is one; a model without it still packages, with less metadata. */
async function readHfConfig(dir: string): Promise<HfConfig | undefined> {
  try {
    const parsed = HfConfigSchema.safeParse(JSON.parse(await readFile(path.join(dir, "config.json"), "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function commit(store: ModelStore, names: Names, configMediaType: string, config: ModelConfig, layers: ArtifactLayer[], created = new Date()): Promise<StoredModel> {
  const configBlob = await store.blobs.writeBytes(
    serializeConfigFile(
      config,
      created,
      layers.map((layer) => layer.digest),
    ),
  );
  return store.commitModel(names, serializeManifest(configMediaType, configBlob, layers));
}

async function importLayers(
  store: ModelStore,
  files: string[],
  mediaType: (file: string, index: number) => string,
  annotations?: (index: number) => Record<string, string>,
): Promise<ArtifactLayer[]> {
  const layers: ArtifactLayer[] = [];
  for (const [index, file] of files.entries()) {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      throw new UserError(`${file} is not a file.`, { fix: "Check the path given to lmr package.", code: "file_not_found" });
    }
    layers.push({ ...(await store.blobs.importFile(file)), mediaType: mediaType(file, index), ...(annotations ? { annotations: annotations(index) } : {}) });
  }
  return layers;
}

/** Non-hidden regular files under `dir`, as sorted `/`-separated relative paths; links are not followed. */
async function directoryFiles(dir: string): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UserError(`${dir} is not a directory.`, { fix: "Point --safetensors-dir at the model's directory.", code: "file_not_found" });
  }
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .filter((relative) => !relative.split("/").some((component) => component.startsWith(".")))
    .sort();
}

/** How DMR classifies a directory's files; undefined leaves the file out (other weight formats, caches). */
function mediaTypeOf(relativePath: string): string | undefined {
  const name = path.posix.basename(relativePath).toLowerCase();
  if (name.endsWith(".safetensors")) return MediaType.safetensors;
  if (name.endsWith(".jinja") || name.includes("chat_template")) return MediaType.chatTemplate;
  if (["license", "licence", "copying", "notice"].some((pattern) => name.includes(pattern))) return MediaType.license;
  if ([".json", ".txt", ".md", ".vocab"].some((extension) => name.endsWith(extension)) || name === "tokenizer.model") return MediaType.modelFile;
  return undefined;
}
