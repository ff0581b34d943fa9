import { Readable } from "node:stream";
import { isLmrError, UpstreamError } from "../errors";
import type { BlobInfo, BlobStore } from "../store/blobs";
import type { StreamedResponse } from "./streamed-get";

/** Opens a download of a blob's bytes from `offset` on (a `Range` request when it is not 0). */
export type BlobOpener = (offset: number, signal: AbortSignal | undefined) => Promise<StreamedResponse>;

export interface FetchBlobOptions {
  /** Where the bytes come from, as errors name it. */
  source: string;
  /** Bytes of this blob on disk so far, resumed ones included. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** Interruptions survived in one call, as long as each attempt got some bytes further. */
const maxAttempts = 5;

/**
 * Downloads a blob into the store, resuming from the `.incomplete` bytes an earlier try left and retrying when
 * the connection drops mid-way. The store checks the digest and holds the blob's lock, so a second pull of the
 * same blob — in this process or another — waits and then finds it there instead of downloading it again.
 */
export async function fetchBlob(blobs: BlobStore, digest: string, open: BlobOpener, options: FetchBlobOptions): Promise<BlobInfo> {
  let onDisk = 0;
  for (let attempt = 1; ; attempt++) {
    const started = onDisk;
    let interruption: unknown;
    const body = async (offset: number): Promise<Readable> => {
      const response = await open(offset, options.signal);
      // A cut connection shows as an error, or only as a close before the body's end.
      response.body.once("error", (error) => (interruption ??= error));
      response.body.once("close", () => response.body.complete || (interruption ??= new Error("the connection closed before the blob's end")));
      return resumedBody(response, offset);
    };
    try {
      return await blobs.write(digest, body, {
        resume: true,
        onProgress: (bytes) => {
          onDisk = bytes;
          options.onProgress?.(bytes);
        },
      });
    } catch (error) {
      // node:http fails a cancelled body with its own AbortError; the caller's reason is what it knows.
      if (options.signal?.aborted) throw options.signal.reason;
      if (interruption === undefined || isLmrError(error)) throw error;
      if (attempt < maxAttempts && onDisk > started) continue;
      throw new UpstreamError(`The download of ${digest} from ${options.source} was interrupted: ${reason(error)}.`, {
        fix: "Pull again: the download resumes where it stopped.",
        code: "download_interrupted",
        cause: error,
      });
    }
  }
}

/**
 * The bytes after `offset`, whatever the server did with the `Range`: 206 from the offset as asked, 200 with
 * the whole blob (a server that ignores ranges: the bytes already on disk are skipped), or 416 when the partial
 * file already holds everything (the store's digest check then decides whether it does).
 */
function resumedBody(response: StreamedResponse, offset: number): Readable {
  if (response.status === 416) {
    response.body.destroy();
    return Readable.from([]);
  }
  if (response.status === 206) {
    const start = Number(/^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "")?.[1] ?? Number.NaN);
    if (start !== offset) {
      response.body.destroy();
      throw new UpstreamError(`The server answered a request for bytes from ${offset} on with a range starting at ${start}.`, {
        fix: "Pull again; if it keeps failing, the server does not handle Range requests correctly.",
        code: "bad_range",
      });
    }
    return response.body;
  }
  return offset === 0 ? response.body : Readable.from(skip(response.body, offset));
}

async function* skip(body: AsyncIterable<Buffer>, bytes: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    if (bytes >= chunk.byteLength) {
      bytes -= chunk.byteLength;
      continue;
    }
    yield bytes > 0 ? chunk.subarray(bytes) : chunk;
    bytes = 0;
  }
}

function reason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
