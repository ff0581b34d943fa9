import { link, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { BlobInfo } from "../store/blobs";
import { packageGguf, packageSafetensors } from "../store/package";
import type { ModelReference } from "../store/reference";
import type { ModelStore, StoredModel } from "../store/store";
import { fetchBlob } from "./blob-fetch";
import { type HubFile, type HubSelection, selectHubFiles } from "./hf-files";
import { HuggingFaceRepository } from "./huggingface";
import { inParallel } from "./parallel";
import type { PullOptions } from "./pull";
import { TransferProgress } from "./transfer-progress";

const parallelDownloads = 4;

/**
 * `hf.co/ORG/REPO[:QUANT]`: lists the repository, picks the files by Docker Model Runner's rules, downloads them
 * into the store (weights resume and are checked against the sha256 the Hub lists), and stores them as a model
 * artifact like any pulled from a registry, its config computed from the GGUF header by the store's packaging.
 */
export async function pullFromHuggingFace(store: ModelStore, ref: ModelReference, options: PullOptions): Promise<StoredModel> {
  const { signal } = options;
  const hub = new HuggingFaceRepository(ref.repository, options.env);
  const selection = selectHubFiles(ref.repository, await hub.files(signal), ref.tag);
  const files = selection.format === "gguf"
    ? [...selection.shards, ...(selection.projector ? [selection.projector] : [])]
    : selection.files;
  const progress = new TransferProgress("Downloaded", files.map(progressEntry), options.onProgress);

  // The files keep their repository names in a scratch folder of hard links, which packaging reads.
  const scratch = await mkdtemp(join(store.root, ".hf-"));
  try {
    await inParallel(files, parallelDownloads, signal, async (file, fileSignal) => {
      const target = join(scratch, file.path);
      await mkdir(dirname(target), { recursive: true });
      const blob = await download(store, hub, file, fileSignal, (bytes) => progress.update(progressEntry(file).digest, bytes));
      if (blob) await link(store.blobs.path(blob.digest), target);
      else await writeFile(target, Buffer.from(await (await hub.download(file.path, { start: 0 }, fileSignal)).arrayBuffer()));
      progress.skip(progressEntry(file).digest);
    });
    const model = await packageHubFiles(store, ref, scratch, selection);
    progress.success(`Pulled ${ref.toString()}`);
    return model;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function packageHubFiles(store: ModelStore, ref: ModelReference, scratch: string, selection: HubSelection): Promise<StoredModel> {
  if (selection.format === "safetensors") return packageSafetensors(store, { dir: scratch }, ref);
  const [first] = selection.shards;
  return packageGguf(store, {
    gguf: join(scratch, first!.path),
    ...(selection.projector ? { mmproj: join(scratch, selection.projector.path) } : {}),
  }, ref);
}

/** Weights (LFS files, whose sha256 the Hub lists) go straight into the store, resumable; small files do not. */
async function download(
  store: ModelStore,
  hub: HuggingFaceRepository,
  file: HubFile,
  signal: AbortSignal,
  onProgress: (bytes: number) => void,
): Promise<BlobInfo | undefined> {
  if (!file.sha256) return undefined;
  const digest = `sha256:${file.sha256}`;
  if ((await store.blobs.size(digest)) === file.size) return { digest: digest as BlobInfo["digest"], size: file.size };
  return fetchBlob(store.blobs, digest, hub.fileSource(file.path), {
    size: file.size,
    signal,
    onProgress,
  });
}

function progressEntry(file: HubFile): { digest: string; size: number } {
  return { digest: file.sha256 ? `sha256:${file.sha256}` : file.path, size: file.size };
}
