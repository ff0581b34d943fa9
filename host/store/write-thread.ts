/**
 * Writes a downloading blob to disk, on a thread of its own (see BlobWriter, blob-writer.ts), and passes
 * each batch on to the hash thread. Bundled as dist/write-thread.mjs.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync, writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import type { HashRequest, WriteRequest, WriteResponse, WriteThreadData } from "./blob-threads-protocol";

/**
 * Bytes per write system call. Linux gives a large write large page-cache folios, and on a VM whose free
 * memory the host has taken back, filling those cost 10× more time in the kernel (4 MiB writes: 370–550 MiB/s
 * at times; 256 KiB writes: 3.6–3.9 GiB/s every time, measured).
 */
const WRITE_BYTES = 256 * 1024;
/**
 * Bytes written between flushes to the disk. Flushing as the download goes, on the side, overlaps the
 * disk's work with the network's: one fsync of a whole 1 GiB blob at the end took a quarter of its pull.
 */
const FLUSH_INTERVAL_BYTES = 64 * 1024 * 1024;

const { path, hashPort } = workerData as WriteThreadData;
const download = parentPort!;
const fd = openSync(path, "a");
let unflushed = 0;
let flushing: Promise<void> | undefined;

download.on("message", (request: WriteRequest) => {
  try {
    if (request.type === "close") return void close(request);
    const bytes = new Uint8Array(request.buffer, 0, request.length);
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, Math.min(WRITE_BYTES, bytes.length - offset));
    unflushed += bytes.length;
    if (flushing === undefined && unflushed >= FLUSH_INTERVAL_BYTES) {
      unflushed = 0;
      flushing = new Promise<void>((resolve) => fdatasync(fd, () => resolve())).finally(() => (flushing = undefined));
    }
    forward(request, [request.buffer]);
  } catch (error) {
    reply({ type: "failed", message: (error as Error).message });
  }
});

async function close({ complete }: Extract<WriteRequest, { type: "close" }>): Promise<void> {
  try {
    await flushing;
    if (complete) fdatasyncSync(fd);
    closeSync(fd);
    // After every batch, on the same channel: the hash thread sees them all before the request.
    if (complete) forward({ type: "digest" });
    reply({ type: "closed" });
  } catch (error) {
    reply({ type: "failed", message: (error as Error).message });
  }
}

function forward(request: HashRequest, transfer: ArrayBuffer[] = []): void {
  hashPort.postMessage(request, transfer);
}

function reply(message: WriteResponse): void {
  download.postMessage(message);
}
