/**
 * Content-addressed blobs under `blobs/sha256/<hex>`. A blob becomes visible under its name only once
 * its bytes hash to that name; until then they sit in `<hex>.incomplete`, which a later try resumes.
 */
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import path from "node:path";
import { UpstreamError } from "../errors";
import { writeFileAtomic } from "./atomic-write";
import { type Digest, parseDigest, sha256Digest } from "./digest";
import { errorCode } from "./fs-error";
import type { StoreLayout } from "./layout";
import { withFileLock } from "./lock";

/** Bytes of a download that may wait for the disk before the network is paused. */
const WRITE_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * Bytes written between flushes to the disk while a download runs. Flushing as it goes, rather than all at
 * the end, overlaps the disk's work with the network's: one fsync of a whole 1 GiB blob took a quarter of
 * its pull.
 */
const FLUSH_INTERVAL_BYTES = 64 * 1024 * 1024;

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface WriteBlobOptions {
  /**
   * Keep the bytes of an earlier, interrupted write of this blob and append `source` to them; the
   * source then starts at `incompleteSize(digest)` (a registry client asks for that `Range`).
   */
  resume?: boolean;
  /** Called as bytes land, with the blob's bytes on disk so far (resumed ones included). */
  onProgress?: (bytes: number) => void;
}

export class BlobStore {
  constructor(private readonly layout: StoreLayout) {}

  path(digest: string): string {
    return this.layout.blob(parseDigest(digest));
  }

  async has(digest: string): Promise<boolean> {
    return (await this.size(digest)) !== undefined;
  }

  async size(digest: string): Promise<number | undefined> {
    return fileSize(this.path(digest));
  }

  /** Bytes an interrupted write left behind, 0 when there are none. */
  async incompleteSize(digest: string): Promise<number> {
    return (await fileSize(this.layout.incompleteBlob(parseDigest(digest)))) ?? 0;
  }

  /**
   * Streams `source` into the blob named `digest`. A source that fails keeps its bytes for a resume;
   * bytes that do not hash to `digest` are thrown away with an `UpstreamError`.
   */
  async write(digest: string, source: AsyncIterable<Uint8Array>, options: WriteBlobOptions = {}): Promise<BlobInfo> {
    const expected = parseDigest(digest);
    return withFileLock(
      this.layout.blobLock(expected),
      async () => {
        const existing = await this.size(expected);
        if (existing !== undefined) {
          await source[Symbol.asyncIterator]().return?.();
          return { digest: expected, size: existing };
        }
        const incomplete = this.layout.incompleteBlob(expected);
        await mkdir(path.dirname(incomplete), { recursive: true });
        const hash = new BackgroundHash();
        try {
          let size = 0;
          if (options.resume) {
            try {
              for await (const chunk of createReadStream(incomplete) as AsyncIterable<Buffer>) {
                hash.update(chunk);
                size += chunk.length;
              }
            } catch (error) {
              if (errorCode(error) !== "ENOENT") throw error;
            }
          }
          // A write stream gathers the chunks that arrive while a write is under way into one writev:
          // awaiting a write per network chunk (16–64 KiB) made the disk's round trips the limit. When
          // the network stalls, what came so far is on disk at once, for a later pull to resume from.
          const handle = await open(incomplete, options.resume ? "a" : "w");
          const file = createWriteStream(incomplete, { fd: handle, highWaterMark: WRITE_BUFFER_BYTES, flush: true });
          const closed = finished(file);
          let flushing: Promise<void> | undefined;
          let flushedAt = 0;
          try {
            for await (const chunk of source) {
              hash.update(chunk);
              size += chunk.length;
              if (!file.write(chunk)) await once(file, "drain");
              // One flush at a time, of the bytes the stream has handed to the kernel so far.
              if (flushing === undefined && file.bytesWritten - flushedAt >= FLUSH_INTERVAL_BYTES) {
                flushedAt = file.bytesWritten;
                flushing = handle.datasync().finally(() => (flushing = undefined));
              }
              options.onProgress?.(size);
            }
          } finally {
            // Bytes that arrived before an interruption are good; keeping them lets a resume skip them.
            await flushing?.catch(() => undefined);
            file.end();
            await closed;
          }
          const actual = `sha256:${await hash.digest()}`;
          if (actual !== expected) {
            await rm(incomplete, { force: true });
            throw new UpstreamError(`Blob ${expected} arrived with digest ${actual} (${size} bytes); it was discarded.`, {
              fix: "The download was corrupted or the registry served other content than its manifest names. Pull the model again.",
              code: "digest_mismatch",
            });
          }
          await rename(incomplete, this.layout.blob(expected));
          return { digest: expected, size };
        } finally {
          hash.close();
        }
      },
      { timeoutMs: Number.POSITIVE_INFINITY },
    );
  }

  /** Stores small content (a config, a manifest pushed as a blob) under its own digest. */
  async writeBytes(data: Uint8Array | string): Promise<BlobInfo> {
    const digest = sha256Digest(data);
    const target = this.layout.blob(digest);
    if (!(await this.has(digest))) await writeFileAtomic(target, data);
    return { digest, size: typeof data === "string" ? Buffer.byteLength(data) : data.byteLength };
  }

  /** Copies a local file in, hashing it on the way, and names it by that hash. */
  async importFile(file: string): Promise<BlobInfo> {
    await mkdir(this.layout.blobsDir, { recursive: true });
    const temporary = path.join(this.layout.blobsDir, `.import-${process.pid}-${randomBytes(6).toString("hex")}`);
    const hash = createHash("sha256");
    let size = 0;
    try {
      const output = await open(temporary, "wx");
      try {
        for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
          await output.write(chunk);
          hash.update(chunk);
          size += chunk.length;
        }
        await output.sync();
      } finally {
        await output.close();
      }
      const digest: Digest = `sha256:${hash.digest("hex")}`;
      if (await this.has(digest)) await rm(temporary);
      else await rename(temporary, this.layout.blob(digest));
      return { digest, size };
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async remove(digest: string): Promise<void> {
    const parsed = parseDigest(digest);
    await rm(this.layout.blob(parsed), { force: true });
    await rm(this.layout.incompleteBlob(parsed), { force: true });
  }
}

/** Bytes handed to the hashing thread at once: few messages, each worth its copy. */
const HASH_BATCH_BYTES = 4 * 1024 * 1024;

const hashWorkerSource = `
const { parentPort } = require("node:worker_threads");
const hash = require("node:crypto").createHash("sha256");
parentPort.on("message", (batch) => {
  if (batch === null) parentPort.postMessage(hash.digest("hex"));
  else hash.update(new Uint8Array(batch));
});
`;

/**
 * SHA-256 on a thread of its own. Hashing on the main thread cost about as much time as receiving and
 * writing the bytes; a thread of its own lets a pull run at the speed of the slower of the two. Chunks are
 * gathered into batches whose memory moves to the thread without a copy.
 */
class BackgroundHash {
  readonly #worker = new Worker(hashWorkerSource, { eval: true });
  readonly #failed: Promise<never>;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor() {
    this.#failed = once(this.#worker, "error").then(([error]) => Promise.reject(error));
    this.#failed.catch(() => undefined);
  }

  update(chunk: Uint8Array): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.byteLength;
    if (this.#pendingBytes >= HASH_BATCH_BYTES) this.#send();
  }

  /** The hex digest of every byte given; the hash takes no more after it. */
  async digest(): Promise<string> {
    this.#send();
    const answered = once(this.#worker, "message").then(([hex]) => hex as string);
    this.#worker.postMessage(null);
    return Promise.race([answered, this.#failed]);
  }

  /** Ends the thread, whether or not a digest was taken. */
  close(): void {
    void this.#worker.terminate();
  }

  #send(): void {
    if (this.#pendingBytes === 0) return;
    // A buffer of its own: a small one from Buffer's shared pool could not be moved to the thread.
    const batch = Buffer.allocUnsafeSlow(this.#pendingBytes);
    let offset = 0;
    for (const chunk of this.#pending) {
      batch.set(chunk, offset);
      offset += chunk.byteLength;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#worker.postMessage(batch.buffer, [batch.buffer]);
  }
}

async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}
