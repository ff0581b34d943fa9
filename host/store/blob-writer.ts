import { MessageChannel, Worker } from "node:worker_threads";
import { bundledThread } from "../bundled-thread";
import { InternalError } from "../errors";
import { BATCH_BYTES, BATCHES, batchBytes, batchMemory } from "./batch-memory";
import type { HashResponse, HashThreadData, WriteRequest, WriteResponse, WriteThreadData } from "./blob-threads-protocol";

/** A batch that stops growing this long goes to disk as it is: a stalled download keeps what came for a resume. */
const STALL_MS = 200;

/**
 * A blob's bytes on their way to disk, in a pipeline of three threads: the download's only fills batches
 * (the socket reads into them, see `space`); a write thread writes full batches to the file and hands them
 * to a hash thread, which hashes them and hands them back to be filled again. Reading, writing and hashing one after the
 * other on one thread made a pull a third of curl's speed; in a pipeline the slowest stage sets the pace.
 */
export class BlobWriter {
  readonly #writeThread: Worker;
  readonly #hashThread: Worker;
  readonly #memory: SharedArrayBuffer;
  /** Batches to fill, the one freed last on top: a small blob touches the same memory again. */
  readonly #free = Array.from({ length: BATCHES }, (_, index) => BATCHES - 1 - index);
  readonly #failure: Promise<never>;
  readonly #stall = setTimeout(() => this.#dispatch(), STALL_MS).unref();
  #bufferReturned: (() => void) | undefined;
  /** The rest of a chunk that waits for a free batch. */
  #pending: Promise<void> | undefined;
  #batch: Batch | undefined;
  #length = 0;
  /** Where in the file the batch being filled starts. */
  #position: number;
  #closed: Promise<string | undefined> | undefined;

  private constructor(
    memory: SharedArrayBuffer,
    writeThread: Worker,
    hashThread: Worker,
    failure: Promise<never>,
    /** Bytes an earlier, interrupted download left in the file; the new ones follow them. */
    readonly resumedBytes: number,
  ) {
    this.#memory = memory;
    this.#position = resumedBytes;
    this.#writeThread = writeThread;
    this.#hashThread = hashThread;
    this.#failure = failure;
    hashThread.on("message", (message: HashResponse) => {
      if (message.type !== "free") return;
      this.#free.push(message.index);
      this.#bufferReturned?.();
    });
  }

  /** Opens `path` for a download, keeping the bytes an interrupted one left in it: they count toward the digest. */
  static async open(path: string): Promise<BlobWriter> {
    let fail!: (error: Error) => void;
    const failure = new Promise<never>((_, reject) => (fail = reject));
    failure.catch(() => undefined);
    const watch = (thread: Worker) => {
      thread.once("error", fail);
      thread.on("message", (message: Message) => message.type === "failed" && fail(new Error(message.message)));
      return thread;
    };
    // Both threads start at once (about 30 ms each); the write thread gets no batch before the hash thread
    // has read what an earlier download left, since batches come only once this resolves.
    const memory = batchMemory();
    const { port1: hashPort, port2 } = new MessageChannel();
    const hashThread = watch(new Worker(HASH_THREAD, { workerData: { resumeFrom: path, memory } satisfies HashThreadData }));
    const writeThread = watch(
      new Worker(WRITE_THREAD, { workerData: { path, memory, hashPort } satisfies WriteThreadData, transferList: [hashPort] }),
    );
    hashThread.postMessage(port2, [port2]);
    try {
      const resumedBytes = await Promise.race([nextMessage(hashThread, "ready").then((ready) => ready.size), failure]);
      return new BlobWriter(memory, writeThread, hashThread, failure, resumedBytes);
    } catch (error) {
      void hashThread.terminate();
      void writeThread.terminate();
      throw error;
    }
  }

  /**
   * Where the next bytes can be read to, so that `write` need not copy them: the free end of the batch being
   * filled. Undefined while every batch is being written or hashed.
   */
  space(): Uint8Array | undefined {
    if (this.#pending) return undefined;
    const batch = this.#batch ?? this.#take();
    return batch?.bytes.subarray(this.#length);
  }

  /**
   * Takes `chunk`: read into `space()`, it is in place already; from anywhere else, it is copied. Returns a
   * promise only when every batch is still being written or hashed: the caller then waits before the next
   * chunk (most chunks cost no promise at all), and closing waits too.
   */
  write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.#pending) throw new InternalError("a blob write came before the previous one was taken");
    // A batch sent on by the stall timer after `space()` handed out its end no longer takes bytes in place.
    if (this.#batch && chunk.buffer === this.#memory && chunk.byteOffset === this.#batch.bytes.byteOffset + this.#length) {
      this.#took(chunk.byteLength);
      return undefined;
    }
    for (let offset = 0; offset < chunk.byteLength; ) {
      const batch = this.#batch ?? this.#take();
      if (batch === undefined) {
        const pending = this.#nextFreeBuffer().then(() => {
          this.#pending = undefined;
          return this.write(chunk.subarray(offset));
        });
        this.#pending = pending;
        return pending;
      }
      const count = Math.min(chunk.byteLength - offset, batch.bytes.byteLength - this.#length);
      batch.bytes.set(offset === 0 && count === chunk.byteLength ? chunk : chunk.subarray(offset, offset + count), this.#length);
      offset += count;
      this.#took(count);
    }
    return undefined;
  }

  /** Writes what is left, flushes the file to disk and closes it; answers the hex SHA-256 of all its bytes. */
  async finish(): Promise<string> {
    const hex = await this.#close(true);
    if (hex === undefined) throw new InternalError("the hash thread gave no digest");
    return hex;
  }

  /** Writes what is left and closes the file: an interrupted download's bytes, kept for a resume. */
  async keep(): Promise<void> {
    await this.#close(false);
  }

  #close(complete: boolean): Promise<string | undefined> {
    this.#closed ??= (async () => {
      try {
        // The rest of a chunk that was waiting for a batch belongs in the file too.
        await Promise.race([this.#pending, this.#failure]);
        clearTimeout(this.#stall);
        this.#dispatch();
        const digest = complete ? nextMessage(this.#hashThread, "digest").then((message) => message.hex) : undefined;
        const closed = nextMessage(this.#writeThread, "closed");
        this.#post({ type: "close", complete });
        await Promise.race([closed, this.#failure]);
        return digest && (await Promise.race([digest, this.#failure]));
      } finally {
        void this.#writeThread.terminate();
        void this.#hashThread.terminate();
      }
    })();
    return this.#closed;
  }

  #take(): Batch | undefined {
    const index = this.#free.pop();
    if (index === undefined) return undefined;
    // Each batch ends on a multiple of its size in the file, so the write thread can write the next ones
    // around the page cache even after a resume or a stall left the file at an odd length.
    return (this.#batch = { index, bytes: batchBytes(this.#memory, index, BATCH_BYTES - (this.#position % BATCH_BYTES)) });
  }

  /** `count` more bytes are in the batch being filled. */
  #took(count: number): void {
    this.#length += count;
    if (this.#length === this.#batch!.bytes.byteLength) this.#dispatch();
    else this.#stall.refresh();
  }

  #dispatch(): void {
    if (this.#batch === undefined || this.#length === 0) return;
    this.#post({ type: "batch", index: this.#batch.index, length: this.#length });
    this.#position += this.#length;
    this.#batch = undefined;
    this.#length = 0;
  }

  #post(request: WriteRequest): void {
    this.#writeThread.postMessage(request);
  }

  #nextFreeBuffer(): Promise<void> {
    return Promise.race([new Promise<void>((resolve) => (this.#bufferReturned = resolve)), this.#failure]);
  }
}

/** A batch being filled: its index in the shared memory, and the bytes it may take. */
interface Batch {
  index: number;
  bytes: Uint8Array;
}

type Message = HashResponse | WriteResponse;

/** The next message of `type` from `thread`. */
function nextMessage<T extends Message["type"]>(thread: Worker, type: T): Promise<Extract<Message, { type: T }>> {
  return new Promise((resolve) => {
    const listener = (message: Message) => {
      if (message.type !== type) return;
      thread.off("message", listener);
      resolve(message as Extract<Message, { type: T }>);
    };
    thread.on("message", listener);
  });
}

const WRITE_THREAD = bundledThread("write-thread");
const HASH_THREAD = bundledThread("hash-thread");
