import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { RegistryClient, RequestBody } from "./client";

export interface UploadBlob {
  digest: string;
  size: number;
  /** The blob's file in the local store. */
  path: string;
}

export interface UploadOptions {
  /** Other repositories of the same registry that may hold the blob, to mount it from instead of sending it. */
  mountFrom: readonly string[];
  /** Blobs larger than this go in chunks of this size (PATCH), smaller ones in one PUT. */
  chunkSize: number;
  /** Bytes of this blob the registry has so far. */
  onProgress: (bytes: number) => void;
  signal?: AbortSignal;
}

export type UploadOutcome = "exists" | "mounted" | "uploaded";

/**
 * Puts one blob into a repository the cheapest way: not at all when it is there (HEAD), by a cross-repository
 * mount when the registry holds it elsewhere, else by upload — one PUT, or PATCH chunks then a closing PUT.
 */
export async function uploadBlob(
  client: RegistryClient,
  repository: string,
  blob: UploadBlob,
  options: UploadOptions,
): Promise<UploadOutcome> {
  const { signal } = options;
  if (await client.hasBlob(repository, blob.digest, signal)) return "exists";

  let location: URL | undefined;
  const from = options.mountFrom[0];
  if (from) {
    const mount = await client.mountBlob(repository, blob.digest, from, signal);
    if (mount === "mounted") return "mounted";
    location = mount;
  }
  location ??= await client.startUpload(repository, signal);

  if (blob.size <= options.chunkSize) {
    await client.finishUpload(repository, location, blob.digest, { body: () => fileBody(blob.path, 0, blob.size, options.onProgress), length: blob.size }, signal);
    return "uploaded";
  }
  for (let offset = 0; offset < blob.size; offset += options.chunkSize) {
    const length = Math.min(options.chunkSize, blob.size - offset);
    const chunk = { body: () => fileBody(blob.path, offset, length, options.onProgress), offset, length };
    location = await client.uploadChunk(repository, location, chunk, signal);
  }
  await client.finishUpload(repository, location, blob.digest, undefined, signal);
  return "uploaded";
}

/** `length` bytes of a file from `start`, reporting the absolute offset reached as the request reads them. */
function fileBody(path: string, start: number, length: number, onProgress: (bytes: number) => void): RequestBody {
  let sent = start;
  const file = Readable.toWeb(createReadStream(path, { start, end: start + length - 1, highWaterMark: 1024 * 1024 }));
  const counted = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      sent += chunk.byteLength;
      onProgress(sent);
      controller.enqueue(chunk);
    },
  });
  return (file as ReadableStream<Uint8Array>).pipeThrough(counted) as RequestBody;
}
