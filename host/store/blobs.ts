/**
 * Content-addressed blobs under `blobs/sha256/<hex>`. A blob becomes visible under its name only once
 * its bytes hash to that name; until then they sit in `<hex>.incomplete`, which a later try resumes.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { Writable, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import path from "node:path";
import { UpstreamError } from "../errors";
import { writeFileAtomic } from "./atomic-write";
import { BlobWriter } from "./blob-writer";
import { type Digest, parseDigest, sha256Digest } from "./digest";
import { errorCode } from "./fs-error";
import type { StoreLayout } from "./layout";
import { withFileLock } from "./lock";

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/**
 * A blob's bytes: an iterable, or a function that opens a stream of them once the blob's lock is held, given
 * the bytes an interrupted write left (it then streams from there; see `WriteBlobOptions.resume`). A stream
 * is read chunk by chunk without a promise per chunk: the way a download is fastest.
 */
export type BlobSource = AsyncIterable<Uint8Array> | ((offset: number) => Promise<Readable>);

export interface WriteBlobOptions {
  /**
   * Keep the bytes of an earlier, interrupted write of this blob and append `source` to them; the
   * source then starts at that offset (a registry client asks for that `Range`).
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
  async write(digest: string, source: BlobSource, options: WriteBlobOptions = {}): Promise<BlobInfo> {
    const expected = parseDigest(digest);
    return withFileLock(
      this.layout.blobLock(expected),
      async () => {
        const existing = await this.size(expected);
        if (existing !== undefined) {
          if (typeof source !== "function") await source[Symbol.asyncIterator]().return?.();
          return { digest: expected, size: existing };
        }
        const incomplete = this.layout.incompleteBlob(expected);
        await mkdir(path.dirname(incomplete), { recursive: true });
        const writer = await BlobWriter.open(incomplete, options.resume ?? false);
        let received = writer.resumedBytes;
        let hex: string | undefined;
        const take = (chunk: Uint8Array) => {
          const full = writer.write(chunk);
          received += chunk.byteLength;
          options.onProgress?.(received);
          return full;
        };
        try {
          if (typeof source === "function") {
            await pipeline(
              await source(writer.resumedBytes),
              new Writable({ write: (chunk: Uint8Array, _, done) => void (take(chunk)?.then(() => done(), done) ?? done()) }),
            );
          } else {
            for await (const chunk of source) await take(chunk);
          }
          hex = await writer.close({ complete: true });
        } finally {
          // Bytes that arrived before an interruption are good; keeping them lets a resume skip them.
          if (hex === undefined) await writer.close({ complete: false }).catch(() => undefined);
        }
        const actual = `sha256:${hex}`;
        if (actual !== expected) {
          await rm(incomplete, { force: true });
          throw new UpstreamError(`Blob ${expected} arrived with digest ${actual} (${received} bytes); it was discarded.`, {
            fix: "The download was corrupted or the registry served other content than its manifest names. Pull the model again.",
            code: "digest_mismatch",
          });
        }
        await rename(incomplete, this.layout.blob(expected));
        return { digest: expected, size: received };
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

async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}
