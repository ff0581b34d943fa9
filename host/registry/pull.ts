import type { ProgressListener } from "../protocol/progress";
import { parseManifest } from "../store/artifact";
import { ModelReference } from "../store/reference";
import type { ModelStore, StoredModel } from "../store/store";
import { fetchBlob } from "./blob-fetch";
import { RegistryClient } from "./client";
import { pullFromHuggingFace } from "./hf-pull";
import { inParallel } from "./parallel";
import { TransferProgress } from "./transfer-progress";

export interface PullOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** Blobs downloaded at once: enough to fill a fast link with a sharded model, few enough not to thrash a disk. */
export const parallelDownloads = 4;

/**
 * Pulls a model into the store: from its OCI registry (Docker Hub, any registry, plain HTTP on loopback), or
 * from Hugging Face for `hf.co/…`. Blobs the store has are not downloaded again, interrupted ones resume, and
 * the model becomes visible under its name only after every blob is verified.
 */
export async function pullModel(
  store: ModelStore,
  reference: string | ModelReference,
  options: PullOptions = {},
): Promise<StoredModel> {
  const ref = typeof reference === "string" ? ModelReference.parse(reference) : reference;
  if (ref.isHuggingFace) return pullFromHuggingFace(store, ref, options);

  const { signal } = options;
  const client = await RegistryClient.connect(ref.registry, { env: options.env, signal });
  const fetched = await client.manifest(ref.repository, ref.digest ?? ref.tag ?? "latest", signal);
  const manifest = parseManifest(fetched.bytes);
  const blobs = [manifest.config, ...manifest.layers];
  const progress = new TransferProgress("Downloaded", blobs, options.onProgress);

  await inParallel(blobs, parallelDownloads, signal, async (blob, blobSignal) => {
    if ((await store.blobs.size(blob.digest)) === blob.size) return progress.skip(blob.digest);
    await fetchBlob(store.blobs, blob.digest, client.blobSource(ref.repository, blob.digest), {
      size: blob.size,
      signal: blobSignal,
      onProgress: (bytes) => progress.update(blob.digest, bytes),
    });
    progress.skip(blob.digest);
  });

  const model = await store.commitModel(ref, fetched.bytes);
  progress.success(`Pulled ${ref.toString()}`);
  return model;
}
