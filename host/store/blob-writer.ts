import { open, type FileHandle } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import type { HashRequest, HashResponse, HashThreadData } from "./hash-thread-protocol";

/** Bytes written and hashed at once: few messages and system calls, each worth its copy. */
const BATCH_BYTES = 4 * 1024 * 1024;
/**
 * Bytes per write system call. Linux gives a large write large page-cache folios, and on a VM whose free
 * memory the host has taken back, filling those cost 10× more time in the kernel (4 MiB writes: 370–550 MiB/s
 * at times; 256 KiB writes: 3.6–3.9 GiB/s every time, measured).
 */
const WRITE_BYTES = 256 * 1024;
/** Batches in flight: the network is paused while the disk or the hash has this much to catch up on. */
const BATCHES = 6;
/**
 * Bytes written between flushes to the disk. Flushing as the download goes, on the side, overlaps the
 * disk's work with the network's: one fsync of a whole 1 GiB blob at the end took a quarter of its pull.
 */
const FLUSH_INTERVAL_BYTES = 64 * 1024 * 1024;
/** A batch that stops growing this long is written as it is: a stalled download keeps what came for a resume. */
const STALL_MS = 200;

/**
 * A blob's bytes on their way to disk. The thread that reads the network only copies each chunk into a
 * batch; a full batch is written by libuv's file threads, then hashed on a thread of its own while the
 * next ones are written. Reading, writing and hashing one after the other on one thread made a pull a
 * third of curl's speed; side by side, the slowest of the three sets the pace.
 */
export class BlobWriter {
  readonly #file: FileHandle;
  readonly #thread: Worker;
  readonly #free: ArrayBuffer[] = [];
  readonly #failure: Promise<never>;
  readonly #fail: (error: Error) => void;
  #wake: (() => void) | undefined;
  #digest: ((hex: string) => void) | undefined;
  #batch: Uint8Array | undefined;
  #length = 0;
  /** The batches' writes, one after another, so the file grows in order. */
  #writing: Promise<void> = Promise.resolve();
  #written: number;
  #flushedAt: number;
  #flushing: Promise<void> | undefined;
  #closed: Promise<{ size: number; digest?: string }> | undefined;
  readonly #stall = setTimeout(() => this.#dispatch(), STALL_MS).unref();

  private constructor(file: FileHandle, thread: Worker, size: number, failure: Promise<never>, fail: (error: Error) => void) {
    this.#file = file;
    this.#thread = thread;
    this.#written = this.#flushedAt = size;
    this.#failure = failure;
    this.#fail = fail;
    for (let i = 0; i < BATCHES; i++) this.#free.push(new ArrayBuffer(BATCH_BYTES));
    thread.on("message", (message: HashResponse) => {
      if (message.type === "updated") {
        this.#free.push(message.buffer);
        this.#wake?.();
      } else if (message.type === "digest") this.#digest?.(message.hex);
    });
  }

  /** Bytes in the file so far, the ones an earlier download left included. */
  get size(): number {
    return this.#written;
  }

  /**
   * Opens `path` for a download: with `resume`, keeps the bytes in it (they count toward the digest) and
   * appends; otherwise starts it empty.
   */
  static async open(path: string, resume: boolean): Promise<BlobWriter> {
    const thread = new Worker(THREAD_ENTRY, { workerData: { resumeFrom: resume ? path : undefined } satisfies HashThreadData });
    let fail!: (error: Error) => void;
    const failure = new Promise<never>((_, reject) => (fail = reject));
    failure.catch(() => undefined);
    thread.once("error", fail);
    try {
      const size = await Promise.race([
        new Promise<number>((resolve) =>
          thread.on("message", (message: HashResponse) => {
            if (message.type === "ready") resolve(message.size);
            else if (message.type === "failed") fail(new Error(message.message));
          }),
        ),
        failure,
      ]);
      return new BlobWriter(await open(path, resume ? "a" : "w"), thread, size, failure, fail);
    } catch (error) {
      void thread.terminate();
      throw error;
    }
  }

  /**
   * Takes a copy of `chunk`. Returns a promise only when every batch is still being written or hashed:
   * the caller then waits before the next chunk (most chunks cost no promise at all).
   */
  write(chunk: Uint8Array): Promise<void> | undefined {
    for (let offset = 0; offset < chunk.byteLength; ) {
      if (this.#batch === undefined) {
        const buffer = this.#free.pop();
        if (buffer === undefined) return this.#bufferReturned().then(() => this.write(chunk.subarray(offset)));
        this.#batch = new Uint8Array(buffer);
      }
      const count = Math.min(chunk.byteLength - offset, this.#batch.byteLength - this.#length);
      this.#batch.set(offset === 0 && count === chunk.byteLength ? chunk : chunk.subarray(offset, offset + count), this.#length);
      this.#length += count;
      offset += count;
      if (this.#length === this.#batch.byteLength) this.#dispatch();
    }
    if (this.#length > 0) this.#stall.refresh();
    return undefined;
  }

  /**
   * Writes what is left and closes the file. With `digest`, flushes it to disk and resolves with the hex
   * SHA-256 of all its bytes; without (an interrupted download), keeps the bytes for a resume.
   */
  close({ digest }: { digest: boolean }): Promise<{ size: number; digest?: string }> {
    this.#closed ??= (async () => {
      try {
        clearTimeout(this.#stall);
        this.#dispatch();
        await Promise.race([this.#writing, this.#failure]);
        await this.#flushing;
        if (!digest) return { size: this.#written };
        await this.#file.datasync();
        const hex = new Promise<string>((resolve) => (this.#digest = resolve));
        // After every update: the thread answers its messages in order.
        this.#post({ type: "digest" });
        return { size: this.#written, digest: await Promise.race([hex, this.#failure]) };
      } finally {
        await this.#file.close();
        void this.#thread.terminate();
      }
    })();
    return this.#closed;
  }

  #dispatch(): void {
    const batch = this.#batch;
    const length = this.#length;
    if (batch === undefined || length === 0) return;
    this.#batch = undefined;
    this.#length = 0;
    this.#writing = this.#writing.then(async () => {
      try {
        for (let offset = 0; offset < length; ) offset += (await this.#file.write(batch, offset, Math.min(WRITE_BYTES, length - offset))).bytesWritten;
      } catch (error) {
        this.#fail(error as Error);
        throw error;
      }
      this.#written += length;
      this.#post({ type: "update", buffer: batch.buffer as ArrayBuffer, length }, [batch.buffer as ArrayBuffer]);
      this.#flushIfDue();
    });
    this.#writing.catch(() => undefined);
  }

  /** One flush at a time, of what is written so far; a failed one shows in the final flush. */
  #flushIfDue(): void {
    if (this.#flushing || this.#written - this.#flushedAt < FLUSH_INTERVAL_BYTES) return;
    this.#flushedAt = this.#written;
    const done = () => (this.#flushing = undefined);
    this.#flushing = this.#file.datasync().then(done, done);
  }

  #bufferReturned(): Promise<void> {
    return Promise.race([new Promise<void>((resolve) => (this.#wake = resolve)), this.#failure]);
  }

  #post(request: HashRequest, transfer: ArrayBuffer[] = []): void {
    this.#thread.postMessage(request, transfer);
  }
}

/**
 * The thread's bundle, next to the host's in dist/. Code run from source (the tests) uses the built one too:
 * tsx does not reach into worker threads, so a thread cannot start from TypeScript.
 */
const THREAD_ENTRY = new URL(import.meta.url.endsWith(".ts") ? "../../dist/hash-thread.mjs" : "./hash-thread.mjs", import.meta.url);
