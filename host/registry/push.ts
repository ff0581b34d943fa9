import { readFile } from "node:fs/promises";
import { UserError } from "../errors";
import type { ProgressListener } from "../protocol/progress";
import type { Digest } from "../store/digest";
import { ModelReference } from "../store/reference";
import type { ModelStore } from "../store/store";
import { uploadBlob } from "./blob-upload";
import { RegistryClient } from "./client";
import { inParallel } from "./parallel";
import { TransferProgress } from "./transfer-progress";

export interface PushOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Blobs above this size are sent in PATCH chunks of it; registries behind proxies often cap one request. */
  chunkSize?: number;
}

export interface PushedModel {
  reference: ModelReference;
  /** The manifest digest, the same in the registry as in the store. */
  digest: Digest;
}

export const defaultChunkSize = 64 * 1024 * 1024;
const parallelUploads = 4;

/**
 * Pushes a model of the store to the registry its name points at: the blobs the registry lacks (mounted from
 * another repository of it when a local model came from there), then the manifest, byte for byte as stored, so
 * the model keeps its ID.
 */
export async function pushModel(
  store: ModelStore,
  reference: string | ModelReference,
  options: PushOptions = {},
): Promise<PushedModel> {
  const ref = typeof reference === "string" ? ModelReference.parse(reference) : reference;
  if (ref.isHuggingFace || ref.tag === undefined) {
    throw new UserError(`Cannot push to ${ref.toString()}: push goes to an OCI registry under a tag.`, {
      fix: `Tag the model for a registry first, e.g. lmr tag ${ref.toString()} registry.example.com/team/model:latest, then push that name.`,
      code: "push_target",
    });
  }
  const { signal } = options;
  const model = await store.get(ref);
  const manifestBytes = await readFile(store.layout.manifest(model.id));
  const blobs = [model.manifest.config, ...model.manifest.layers];
  const mountSources = await repositoriesHolding(store, ref);
  const progress = new TransferProgress("Uploaded", blobs, options.onProgress);
  const client = await RegistryClient.connect(ref.registry, { env: options.env, signal });

  await inParallel(blobs, parallelUploads, signal, async (blob, blobSignal) => {
    await uploadBlob(client, ref.repository, { digest: blob.digest, size: blob.size, path: store.blobs.path(blob.digest) }, {
      mountFrom: mountSources.get(blob.digest) ?? [],
      chunkSize: options.chunkSize ?? defaultChunkSize,
      onProgress: (bytes) => progress.update(blob.digest, bytes),
      signal: blobSignal,
    });
    progress.skip(blob.digest);
  });

  await client.putManifest(ref.repository, ref.tag, { bytes: manifestBytes, digest: model.id, mediaType: model.manifest.mediaType }, signal);
  progress.success(`Pushed ${ref.toString()}`);
  return { reference: ref, digest: model.id };
}

/** For each blob, the other repositories of the same registry that local models sharing it were named after. */
async function repositoriesHolding(store: ModelStore, target: ModelReference): Promise<Map<string, string[]>> {
  const holders = new Map<string, string[]>();
  for (const model of await store.list()) {
    const repositories = model.tags
      .filter((tag) => tag.registry === target.registry && tag.repository !== target.repository)
      .map((tag) => tag.repository);
    for (const blob of [model.manifest.config, ...model.manifest.layers]) {
      holders.set(blob.digest, [...new Set([...(holders.get(blob.digest) ?? []), ...repositories])]);
    }
  }
  return holders;
}
