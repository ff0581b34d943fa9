/**
 * Content-addressed blobs under `blobs/sha256/<hex>`. A blob becomes visible under its name only once
 * its bytes hash to that name; until then they sit in `<hex>.incomplete`, which a later try resumes.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { UpstreamError } from "../errors";
import { writeFileAtomic } from "./atomic-write";
import { type Digest, parseDigest, sha256Digest } from "./digest";
import { errorCode } from "./fs-error";
import type { StoreLayout } from "./layout";
import { withFileLock } from "./lock";

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/**
 * Writes a blob's bytes into `file` itself — a download thread does — after the bytes an interrupted write may
 * have left there (they are a prefix of the blob's: the file is named by its digest), and answers the SHA-256 of
 * all the file's bytes. A fill that fails leaves what it wrote for a resume.
 */
export type BlobFill = (file: string) => Promise<FilledBlob>;

export interface FilledBlob {
  /** Hex SHA-256 of every byte in the file. */
  hex: string;
  size: number;
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
   * Has `fill` write the blob named `digest`, once its lock is held and unless it is there already. A fill that
   * fails keeps its bytes for a resume; bytes that do not hash to `digest` are thrown away with an `UpstreamError`.
   */
  async write(digest: string, fill: BlobFill): Promise<BlobInfo> {
    const expected = parseDigest(digest);
    return withFileLock(
      this.layout.blobLock(expected),
      async () => {
        const existing = await this.size(expected);
        if (existing !== undefined) return { digest: expected, size: existing };
        const incomplete = this.layout.incompleteBlob(expected);
        await mkdir(path.dirname(incomplete), { recursive: true });
        const { hex, size } = await fill(incomplete);
        const actual = `sha256:${hex}`;
        if (actual !== expected) {
          await rm(incomplete, { force: true });
          throw new UpstreamError(`Blob ${expected} arrived with digest ${actual} (${size} bytes); it was discarded.`, {
            fix: "The download was corrupted or the registry served other content than its manifest names. Pull the model again.",
            code: "digest_mismatch",
          });
        }
        await rename(incomplete, this.layout.blob(expected));
        return { digest: expected, size };
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
