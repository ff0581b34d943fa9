/**
 * The memory a blob download's batches live in, shared by its three threads (BlobWriter, blob-writer.ts): a
 * message names a batch by its index instead of moving a buffer. It is a WebAssembly memory because that starts
 * on a page boundary, as writes that go around the page cache (O_DIRECT, write-thread.ts) need their bytes to;
 * an ArrayBuffer's memory comes from malloc, 16 bytes past a boundary.
 */

/** Bytes written and hashed at once: few messages and system calls, each worth its copy. */
export const BATCH_BYTES = 4 * 1024 * 1024;
/** Batches in flight: the network is paused while the disk or the hash has this much to catch up on. */
export const BATCHES = 6;

const WASM_PAGE_BYTES = 64 * 1024;

/** Node has WebAssembly; TypeScript declares it only in its DOM and web-worker libraries, which the host leaves out. */
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => { buffer: SharedArrayBuffer };
};

/** The batches' memory. The system backs its pages as they are first touched: a license file takes one. */
export function batchMemory(): SharedArrayBuffer {
  const pages = (BATCHES * BATCH_BYTES) / WASM_PAGE_BYTES;
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }).buffer;
}

/** The first `length` bytes of batch `index`. */
export function batchBytes(memory: SharedArrayBuffer, index: number, length = BATCH_BYTES): Uint8Array {
  return new Uint8Array(memory, index * BATCH_BYTES, length);
}
