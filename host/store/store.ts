/**
 * The local model store, in Docker Model Runner's on-disk layout so either tool reads the other's
 * models. Every change to the index, the manifests or the configurations happens under one lock file
 * and lands by atomic rename; blobs are written outside it and only become part of a model once a
 * commit finds them all present and verified.
 */
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { ConflictError, NotFoundError, UpstreamError, UserError } from "../errors";
import {
  type ConfigurationsFile,
  type IndexEntry,
  type ModelConfigFile,
  type ModelConfiguration,
  type OciManifest,
  STORE_LAYOUT_VERSION,
  LayoutFileSchema,
} from "../protocol/store";
import { parseConfigFile, parseManifest } from "./artifact";
import { writeFileAtomic } from "./atomic-write";
import { readJsonFile } from "./json-file";
import { BlobStore } from "./blobs";
import { bundleFiles, ensureBundle, type ModelBundle, removeBundle } from "./bundle";
import { CachedFile } from "./cached-file";
import { applyConfigurationPatch, readConfigurations, writeConfigurations } from "./configurations";
import { type Digest, isDigest, sha256Digest } from "./digest";
import { errorCode } from "./fs-error";
import { entryReferences, hasTag, readIndex, withoutTag, withTag, writeIndex } from "./index-file";
import { StoreLayout } from "./layout";
import { withFileLock } from "./lock";
import { ModelReference } from "./reference";
import { resolveStoreRoot } from "./root";
import { StoreError } from "./store-error";

export interface StoredModel {
  /** The manifest digest, `sha256:<hex>`; `lmr ls` shows its first 12 hex digits. */
  id: Digest;
  /** Its names, in the order they were given; empty for a model kept only by ID. */
  tags: ModelReference[];
  manifest: OciManifest;
  config: ModelConfigFile;
  /** Bytes of its layers. */
  size: number;
  created: Date | undefined;
}

export interface ModelStoreOptions {
  /** The store folder; otherwise `LMR_MODELS_PATH`, otherwise the per-user data folder. */
  root?: string;
}

export interface RemoveResult {
  /** Names that no longer point at a model. */
  untagged: string[];
  /** The model ID when the model itself went, with the blobs no other model uses. */
  deleted: Digest | undefined;
}

export interface DiskUsage {
  /** Bytes of complete blobs and of bundle files that had to be copied rather than linked. */
  models: number;
  /** Bytes of interrupted downloads waiting to be resumed. */
  incomplete: number;
  total: number;
}

/** A model ID prefix shorter than this is taken as a name. */
const MIN_ID_PREFIX = 4;

export class ModelStore {
  readonly layout: StoreLayout;
  /** The primitives a registry client pulls into and pushes from. */
  readonly blobs: BlobStore;
  /** What every request reads; changes go through readIndex and readConfigurations under the lock. */
  private readonly index: CachedFile<IndexEntry[]>;
  private readonly configurationsFile: CachedFile<ConfigurationsFile>;
  /**
   * Manifests and config blobs by model ID. Both are content-addressed, so what was read for an ID stays true;
   * an ID stays here after another process removes its model, at a few kilobytes each.
   */
  private readonly artifacts = new Map<Digest, Pick<StoredModel, "manifest" | "config">>();

  private constructor(root: string) {
    this.layout = new StoreLayout(root);
    this.blobs = new BlobStore(this.layout);
    this.index = new CachedFile(this.layout.indexFile, readIndex);
    this.configurationsFile = new CachedFile(this.layout.configurationsFile, readConfigurations);
  }

  /** Opens the store, creating an empty one (layout.json, models.json) where there is none. */
  static async open(options: ModelStoreOptions = {}): Promise<ModelStore> {
    const store = new ModelStore(resolveStoreRoot(options.root));
    await store.initialize();
    return store;
  }

  get root(): string {
    return this.layout.root;
  }

  async list(): Promise<StoredModel[]> {
    const entries = await this.index.get();
    return Promise.all(entries.map((entry) => this.load(entry)));
  }

  /**
   * Finds a model by name (`smollm2`, `ai/smollm2:latest`), by digest reference
   * (`ai/smollm2@sha256:…`), by ID (`sha256:…`) or by a unique ID prefix of 4 or more hex digits, as
   * `lmr ls` shows them. A name wins over an ID prefix that looks the same.
   */
  async resolve(input: string | ModelReference): Promise<StoredModel | undefined> {
    const entry = this.find(await this.index.get(), input);
    return entry && this.load(entry);
  }

  /** Like `resolve`, but a model that is not there is a `NotFoundError` whose fix is the pull command. */
  async get(input: string | ModelReference): Promise<StoredModel> {
    const model = await this.resolve(input);
    if (!model) throw notFound(input);
    return model;
  }

  /** The model's files under the names engines expect, building the bundle if it is not there yet. */
  async bundle(model: StoredModel | string | ModelReference): Promise<ModelBundle> {
    const stored = await this.model(model);
    return ensureBundle(this.layout, stored.id, stored.manifest, stored.config);
  }

  /** The folder to point an engine at. */
  async bundlePath(model: StoredModel | string | ModelReference): Promise<string> {
    return (await this.bundle(model)).dir;
  }

  /** The GGUF shards in order; llama.cpp is given the first. */
  async ggufPaths(model: StoredModel | string | ModelReference): Promise<string[]> {
    return (await this.bundle(model)).gguf;
  }

  /** Gives the model `source` resolves to the name `target` (moving the name if another model had it). */
  async tag(source: string | ModelReference, target: string | ModelReference): Promise<ModelReference> {
    const reference = typeof target === "string" ? ModelReference.parse(target) : target;
    if (reference.digest !== undefined) {
      throw new UserError(`A tag cannot pin a digest: "${reference.toString()}".`, {
        fix: `Name the tag without @sha256:…, for example ${reference.name}:${reference.tag ?? "latest"}.`,
        code: "invalid_reference",
      });
    }
    await this.updateIndex(async (entries) => {
      const entry = this.find(entries, source);
      if (!entry) throw notFound(source);
      return withTag(entries, entry.id, reference);
    });
    return reference;
  }

  /**
   * Removes a name, or a model. A name that is one of several of its model's names goes alone; the
   * last name, or the model's ID with `force`, removes the model, its manifest, bundle and
   * configuration, and the blobs no other model uses.
   */
  async remove(input: string | ModelReference, options: { force?: boolean } = {}): Promise<RemoveResult> {
    return this.locked(async () => {
      const entries = await readIndex(this.layout.indexFile);
      const found = this.match(entries, input);
      if (!found) throw notFound(input);
      const { entry, tag } = found;
      const names = entryReferences(entry);
      if (tag && names.length > 1) {
        await writeIndex(this.layout.indexFile, withoutTag(entries, tag));
        return { untagged: [tag.toString()], deleted: undefined };
      }
      if (!tag && names.length > 1 && !options.force) {
        throw new ConflictError(`Model ${entry.id.slice(7, 19)} has several names: ${names.join(", ")}.`, {
          fix: "Remove the names one by one, or use --force to remove the model and all its names.",
          code: "model_has_several_names",
        });
      }
      const id = entry.id as Digest;
      const remaining = entries.filter((other) => other.id !== id);
      // The index goes first: a removal cut short leaves unused files behind, never a listed model without them.
      await writeIndex(this.layout.indexFile, remaining);
      const configurations = await readConfigurations(this.layout.configurationsFile);
      if (configurations[id]) {
        delete configurations[id];
        await writeConfigurations(this.layout.configurationsFile, configurations);
      }
      await rm(this.layout.manifest(id), { force: true });
      this.artifacts.delete(id);
      await removeBundle(this.layout, id);
      const inUse = new Set(remaining.flatMap((other) => other.files));
      await Promise.all(entry.files.filter((file) => !inUse.has(file) && isDigest(file)).map((digest) => this.blobs.remove(digest)));
      return { untagged: names.map(String), deleted: id };
    });
  }

  /**
   * Makes a model visible under `names` once all its blobs are in the store: checks the manifest,
   * stores `config` (when the caller has it in hand rather than as a blob already), verifies every
   * layer is present at its size, writes the manifest and its bundle, then points the names at it in
   * one index write. Returns the stored model; its ID is the digest of `manifest`'s exact bytes.
   */
  async commitModel(
    names: string | ModelReference | ReadonlyArray<string | ModelReference>,
    manifest: Uint8Array | string,
    config?: Uint8Array | string,
  ): Promise<StoredModel> {
    const references = (Array.isArray(names) ? names : [names]).map((name) => (typeof name === "string" ? ModelReference.parse(name) : name));
    const parsed = parseManifest(manifest);
    const id = sha256Digest(manifest);
    bundleFiles(parsed);
    if (config !== undefined) {
      const digest = sha256Digest(config);
      if (digest !== parsed.config.digest) {
        throw new UpstreamError(`The model config has digest ${digest}, but the manifest names ${parsed.config.digest}.`, {
          fix: "Pull the model again.",
          code: "digest_mismatch",
        });
      }
      await this.blobs.writeBytes(config);
    }
    const configFile = parseConfigFile(await this.readBlob(parsed.config.digest));
    await this.verifyBlobs(parsed);
    await ensureBundle(this.layout, id, parsed, configFile);
    await this.updateIndex(async (entries) => {
      // Again under the lock: a removal running meanwhile deletes the blobs no model uses under it.
      await this.verifyBlobs(parsed);
      await writeFileAtomic(this.layout.manifest(id), manifest);
      let next = entries.some((entry) => entry.id === id)
        ? entries
        : [...entries, { id, tags: [], files: [...parsed.layers.map((layer) => layer.digest), parsed.config.digest] }];
      for (const reference of references) next = withTag(next, id, reference);
      return next;
    });
    return this.get(id);
  }

  /** What `lmr configure` recorded for the model; `{}` when nothing was. */
  async configuration(input: StoredModel | string | ModelReference): Promise<ModelConfiguration> {
    const model = await this.model(input);
    return (await this.configurations())[model.id] ?? {};
  }

  /** Every model's configuration by model ID, read at once (listing models needs them all). */
  configurations(): Promise<Record<string, ModelConfiguration>> {
    return this.configurationsFile.get();
  }

  /** Changes the model's configuration: fields left out stay, `null` clears one. Returns the result. */
  async configure(input: string | ModelReference, patch: unknown): Promise<ModelConfiguration> {
    return this.locked(async () => {
      const entry = this.find(await readIndex(this.layout.indexFile), input);
      if (!entry) throw notFound(input);
      const configurations = await readConfigurations(this.layout.configurationsFile);
      const next = applyConfigurationPatch(configurations[entry.id] ?? {}, patch);
      if (Object.keys(next).length === 0) delete configurations[entry.id];
      else configurations[entry.id] = next;
      await writeConfigurations(this.layout.configurationsFile, configurations);
      return next;
    });
  }

  async diskUsage(): Promise<DiskUsage> {
    // Bundles are hard links to blobs: counting each inode once counts only copies made where links fail.
    const seen = new Set<string>();
    let models = 0;
    let incomplete = 0;
    for (const file of [...(await filesUnder(this.layout.blobsDir)), ...(await filesUnder(this.layout.bundlesDir))]) {
      const info = await stat(file).catch(() => undefined);
      if (!info) continue;
      const inode = `${info.dev}:${info.ino}`;
      if (seen.has(inode)) continue;
      seen.add(inode);
      if (file.endsWith(".incomplete")) incomplete += info.size;
      else models += info.size;
    }
    return { models, incomplete, total: models + incomplete };
  }

  private async initialize(): Promise<void> {
    await mkdir(this.layout.blobsDir, { recursive: true });
    const unsupported = {
      message: `${this.layout.layoutFile} describes a store layout this version of lmr does not read.`,
      fix: "Point LMR_MODELS_PATH at another folder, or update lmr.",
      code: "store_layout_unsupported",
    };
    const layout = await readJsonFile(this.layout.layoutFile, LayoutFileSchema, undefined, unsupported);
    if (layout === undefined) await writeFileAtomic(this.layout.layoutFile, `${JSON.stringify({ version: STORE_LAYOUT_VERSION }, null, 2)}\n`);
    else if (layout.version.split(".")[0] !== STORE_LAYOUT_VERSION.split(".")[0]) {
      const { message, ...remedy } = unsupported;
      throw new StoreError(message, remedy);
    }
    try {
      await stat(this.layout.indexFile);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
      await this.updateIndex(async (entries) => entries);
    }
  }

  private async updateIndex(change: (entries: IndexEntry[]) => Promise<IndexEntry[]>): Promise<void> {
    await this.locked(async () => writeIndex(this.layout.indexFile, await change(await readIndex(this.layout.indexFile))));
  }

  /** Runs `work` holding the lock that guards the index, the manifests and the configurations. */
  private async locked<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await withFileLock(this.layout.indexLock, work);
    } finally {
      this.index.forget();
      this.configurationsFile.forget();
    }
  }

  private find(entries: IndexEntry[], input: string | ModelReference): IndexEntry | undefined {
    return this.match(entries, input)?.entry;
  }

  /** The model `input` names, and the tag it matched when it was found by tag rather than by ID or digest. */
  private match(entries: IndexEntry[], input: string | ModelReference): { entry: IndexEntry; tag?: ModelReference } | undefined {
    const byId = (id: string) => {
      const entry = entries.find((candidate) => candidate.id === id);
      return entry && { entry };
    };
    if (typeof input === "string" && isDigest(input)) return byId(input);
    const reference = nameOf(input);
    if (reference?.digest !== undefined) return byId(reference.digest);
    if (reference) {
      const entry = entries.find((candidate) => hasTag(candidate, reference));
      if (entry) return { entry, tag: reference };
      if (typeof input !== "string") return undefined;
    }
    const prefix = idPrefix(input as string);
    if (prefix === undefined) {
      if (!reference) ModelReference.parse(input as string);
      return undefined;
    }
    const matches = entries.filter((entry) => entry.id.startsWith(`sha256:${prefix}`));
    if (matches.length > 1) {
      throw new UserError(`The ID prefix "${input}" matches ${matches.length} models.`, {
        fix: `Give more digits: ${matches.map((entry) => entry.id.slice(7, 7 + prefix.length + 4)).join(", ")}.`,
        code: "ambiguous_model_id",
      });
    }
    return matches[0] && { entry: matches[0] };
  }

  private async verifyBlobs(manifest: OciManifest): Promise<void> {
    for (const descriptor of [manifest.config, ...manifest.layers]) {
      const size = await this.blobs.size(descriptor.digest);
      if (size === undefined) throw missingBlob(descriptor.digest);
      if (size !== descriptor.size) {
        throw new UpstreamError(`Blob ${descriptor.digest} has ${size} bytes; the manifest says ${descriptor.size}.`, {
          fix: "Pull the model again.",
          code: "size_mismatch",
        });
      }
    }
  }

  private async readArtifact(id: Digest): Promise<Pick<StoredModel, "manifest" | "config">> {
    try {
      const manifest = parseManifest(await readFile(this.layout.manifest(id)));
      const artifact = { manifest, config: parseConfigFile(await this.readBlob(manifest.config.digest)) };
      this.artifacts.set(id, artifact);
      return artifact;
    } catch (error) {
      throw new StoreError(`Model ${id} is listed in ${this.layout.indexFile}, but its manifest or config cannot be read.`, {
        fix: `Remove it with lmr rm --force ${id.slice(7, 19)} and pull it again.`,
        code: "store_model_damaged",
        cause: error,
      });
    }
  }

  private async readBlob(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.blobs.path(digest));
    } catch (error) {
      throw errorCode(error) === "ENOENT" ? missingBlob(digest) : error;
    }
  }

  private async model(model: StoredModel | string | ModelReference): Promise<StoredModel> {
    return typeof model === "string" || model instanceof ModelReference ? this.get(model) : model;
  }

  private async load(entry: IndexEntry): Promise<StoredModel> {
    const id = entry.id as Digest;
    const { manifest, config } = this.artifacts.get(id) ?? (await this.readArtifact(id));
    const created = config.descriptor?.created ? new Date(config.descriptor.created) : undefined;
    return {
      id,
      tags: entryReferences(entry),
      manifest,
      config,
      size: manifest.layers.reduce((total, layer) => total + layer.size, 0),
      created: created && !Number.isNaN(created.getTime()) ? created : undefined,
    };
  }
}

/** The input as a model name, or undefined when it is not one (an ID or a bare ID prefix may not be). */
function nameOf(input: string | ModelReference): ModelReference | undefined {
  if (input instanceof ModelReference) return input;
  try {
    return ModelReference.parse(input);
  } catch {
    return undefined;
  }
}

/** The hex digits of an input that reads as a model ID or an ID prefix (4 digits at least). */
function idPrefix(input: string): string | undefined {
  const prefix = /^(?:sha256:)?([0-9a-f]+)$/.exec(input)?.[1];
  return prefix !== undefined && prefix.length >= MIN_ID_PREFIX ? prefix : undefined;
}

function notFound(input: string | ModelReference): NotFoundError {
  const name = typeof input === "string" && input.startsWith("sha256:") ? undefined : nameOf(input);
  return new NotFoundError(`Model ${name ? name.toString() : String(input)} is not in the local store.`, {
    fix: name ? `Pull it with: lmr pull ${name.toString()}` : "lmr ls lists the models in the store.",
    code: "model_not_found",
  });
}

function missingBlob(digest: string): UserError {
  return new UserError(`Blob ${digest} is not in the store.`, {
    fix: "Write every layer and the config with store.blobs.write() before committing the model.",
    code: "missing_blob",
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  }
}
