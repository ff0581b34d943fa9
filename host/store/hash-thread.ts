/**
 * SHA-256 of a downloading blob, on a thread of its own (see BlobWriter, blob-writer.ts). Batches come
 * from the write thread once on disk and go back to the download. Bundled as dist/hash-thread.mjs.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { batchBytes } from "./batch-memory";
import type { HashRequest, HashResponse, HashThreadData } from "./blob-threads-protocol";
import { errorCode } from "./fs-error";

const { resumeFrom, memory } = workerData as HashThreadData;
const download = parentPort!;
const hash = createHash("sha256");

try {
  reply({ type: "ready", size: hashFile(resumeFrom) });
  // The write thread's end of their channel comes first; batches and the digest request come through it.
  download.once("message", (port: MessagePort) =>
    port.on("message", (request: HashRequest) => {
      if (request.type === "digest") return reply({ type: "digest", hex: hash.digest("hex") });
      hash.update(batchBytes(memory, request.index, request.length));
      reply({ type: "free", index: request.index });
    }),
  );
} catch (error) {
  reply({ type: "failed", message: (error as Error).message });
}

function reply(message: HashResponse): void {
  download.postMessage(message);
}

/** Hashes the bytes already in `file` (none when it does not exist) and says how many there were. */
function hashFile(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return 0;
    throw error;
  }
  try {
    const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
    let size = 0;
    for (let read; (read = readSync(fd, buffer, 0, buffer.length, size)) > 0; size += read) hash.update(buffer.subarray(0, read));
    return size;
  } finally {
    closeSync(fd);
  }
}
