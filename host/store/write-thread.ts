/**
 * Writes a downloading blob to disk, on a thread of its own (see BlobWriter, blob-writer.ts), and passes
 * each batch on to the hash thread. Bundled as dist/write-thread.mjs.
 */
import { closeSync, constants, fdatasync, fdatasyncSync, fstatSync, openSync, writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { batchBytes } from "./batch-memory";
import type { HashRequest, WriteRequest, WriteResponse, WriteThreadData } from "./blob-threads-protocol";
import { errorCode } from "./fs-error";

/**
 * What a write around the page cache (O_DIRECT) must be aligned to, in the file and in memory: the largest
 * logical block size disks have. Going around the page cache, a 1 GiB blob takes 0.1 s of CPU to write instead
 * of 1–2.5 s: copying into fresh page-cache pages is slow on a VM whose free memory the host has taken back,
 * and the pages are written back later anyway (measured with perf: 40 % of a pull's samples were that copy).
 */
const DIRECT_ALIGNMENT = 4096;
/**
 * Bytes per buffered write system call. Linux gives a large write large page-cache folios, and on a VM whose
 * free memory the host has taken back, filling those cost 10× more time in the kernel (4 MiB writes: 370–550
 * MiB/s at times; 256 KiB writes: 3.6–3.9 GiB/s every time, measured).
 */
const WRITE_BYTES = 256 * 1024;
/**
 * Buffered bytes written between flushes to the disk. Flushing as the download goes, on the side, overlaps the
 * disk's work with the network's: one fsync of a whole 1 GiB blob at the end took a quarter of its pull.
 */
const FLUSH_INTERVAL_BYTES = 64 * 1024 * 1024;

const { path, memory, hashPort } = workerData as WriteThreadData;
const download = parentPort!;
const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT);
/** The same file opened to be written around the page cache, where the system and the file system allow it. */
let direct = openDirect(path);
let position = fstatSync(fd).size;
let unflushed = 0;
let flushing: Promise<void> | undefined;

download.on("message", (request: WriteRequest) => {
  try {
    if (request.type === "close") return void close(request);
    write(batchBytes(memory, request.index, request.length));
    forward(request);
  } catch (error) {
    reply({ type: "failed", message: (error as Error).message });
  }
});

/**
 * Batches start in memory on a page boundary, and BlobWriter ends each on a multiple of the batch size in the
 * file: all but the first after a resume or a stall go around the page cache, save for the blob's last bytes.
 */
function write(bytes: Uint8Array): void {
  const start = position;
  if (direct !== undefined && position % DIRECT_ALIGNMENT === 0) {
    const aligned = bytes.length - (bytes.length % DIRECT_ALIGNMENT);
    try {
      writeFully(direct, bytes.subarray(0, aligned), aligned);
    } catch (error) {
      // A file system that takes the flag at open but not the write (some network ones) gets buffered writes.
      if (errorCode(error) !== "EINVAL") throw error;
      closeSync(direct);
      direct = undefined;
    }
  }
  const buffered = writeFully(fd, bytes.subarray(position - start), WRITE_BYTES);
  unflushed += buffered;
  if (flushing === undefined && unflushed >= FLUSH_INTERVAL_BYTES) {
    unflushed = 0;
    flushing = new Promise<void>((resolve) => fdatasync(fd, () => resolve())).finally(() => (flushing = undefined));
  }
}

function writeFully(file: number, bytes: Uint8Array, perCall: number): number {
  for (let offset = 0; offset < bytes.length; ) {
    const count = writeSync(file, bytes, offset, Math.min(perCall, bytes.length - offset), position);
    offset += count;
    position += count;
  }
  return bytes.length;
}

function openDirect(file: string): number | undefined {
  // Linux has the flag; macOS and Windows do not.
  if (constants.O_DIRECT === undefined) return undefined;
  try {
    return openSync(file, constants.O_WRONLY | constants.O_DIRECT);
  } catch (error) {
    if (errorCode(error) === "EINVAL") return undefined;
    throw error;
  }
}

async function close({ complete }: Extract<WriteRequest, { type: "close" }>): Promise<void> {
  try {
    await flushing;
    // The direct writes' bytes may still sit in the disk's own cache, and the file's size in the journal.
    if (complete) fdatasyncSync(fd);
    if (direct !== undefined) closeSync(direct);
    closeSync(fd);
    // After every batch, on the same channel: the hash thread sees them all before the request.
    if (complete) forward({ type: "digest" });
    reply({ type: "closed" });
  } catch (error) {
    reply({ type: "failed", message: (error as Error).message });
  }
}

function forward(request: HashRequest): void {
  hashPort.postMessage(request);
}

function reply(message: WriteResponse): void {
  download.postMessage(message);
}
