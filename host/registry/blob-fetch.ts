import { isLmrError, UpstreamError } from "../errors";
import { writeFileAtomic } from "../store/atomic-write";
import type { BlobInfo, BlobStore, FilledBlob } from "../store/blobs";
import { digestHex, sha256Digest } from "../store/digest";
import { BlobDownload, type GetOutcome } from "./blob-download";
import type { BlobRequest } from "./download-thread-protocol";
import { send } from "./transport";
import { networkReason } from "./unreachable-error";

/** Where a blob's bytes come from: a registry's blob, a Hugging Face file. */
export interface BlobSource {
  /** The source as errors name it. */
  name: string;
  /** The GET for the blob's bytes, with credentials as they stand; the download adds the `Range` it needs. */
  request(signal?: AbortSignal): Promise<BlobRequest>;
  /**
   * The server answered another status than 200, 206 or 416, for the `refusals`th time in a row: resolves when
   * asking again may work (its credentials renewed), else throws the error to report.
   */
  refused(response: Response, refusals: number): Promise<void>;
}

export interface FetchBlobOptions {
  /** The blob's size, as its manifest or file list gives it. */
  size: number;
  /** Bytes of this blob taken so far, resumed ones included. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** Interruptions survived in one call, as long as each attempt got some bytes further. */
const maxAttempts = 5;

/**
 * Blobs up to this size (configs, licenses, chat templates, small models) come whole in one request on the
 * calling thread: starting a download's three threads takes longer than their bytes (a tiny model's pull took
 * twice as long through them).
 */
const smallBlobBytes = 4 * 1024 * 1024;

/**
 * Downloads a blob into the store. A large one travels on a download thread, off the host's event loop; it
 * resumes from the `.incomplete` bytes an earlier try left and asks again from where it got when the
 * connection drops mid-way. A small one comes whole, and whole again after a cut. The store checks the digest
 * and holds the blob's lock, so a second pull of the same blob — in this process or another — waits and then
 * finds it there instead of downloading it again.
 */
export async function fetchBlob(blobs: BlobStore, digest: string, source: BlobSource, options: FetchBlobOptions): Promise<BlobInfo> {
  try {
    if (options.size <= smallBlobBytes) return await blobs.write(digest, (file) => fetchWhole(file, digest, source, options));
    return await blobs.write(digest, (file) => fetchOnThread(file, digest, source, options));
  } catch (error) {
    // However the stop showed (a cut socket, a failed read), a cancelled pull reports its cancellation.
    throw options.signal?.aborted ? options.signal.reason : error;
  }
}

async function fetchWhole(file: string, digest: string, source: BlobSource, { size, onProgress, signal }: FetchBlobOptions): Promise<FilledBlob> {
  for (let attempts = 1; ; attempts++) {
    try {
      const bytes = await accepted(source, signal, async ({ server, url, headers }) => {
        const response = await send(server, new URL(url), { headers, signal });
        return response.ok ? await wholeBody(response, size, digest, source) : response;
      });
      await writeFileAtomic(file, bytes);
      onProgress?.(bytes.byteLength);
      return { hex: digestHex(sha256Digest(bytes)), size: bytes.byteLength };
    } catch (error) {
      if (signal?.aborted || !isLmrError(error) || error.code !== "download_interrupted" || attempts === maxAttempts) throw error;
    }
  }
}

/** A small blob's body in memory; a server that sends more than the blob's size is cut off, not believed. */
async function wholeBody(response: Response, size: number, digest: string, source: BlobSource): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const chunk of response.body ?? []) {
      length += chunk.byteLength;
      if (length > size)
        throw new UpstreamError(`${source.name} sent more than the ${size} bytes of ${digest}.`, {
          fix: "The server does not serve what its listing says; pull again, and if it persists, ask its operator.",
          code: "digest_mismatch",
        });
      chunks.push(chunk);
    }
  } catch (error) {
    throw isLmrError(error) ? error : interrupted(digest, source, networkReason(error));
  }
  return Buffer.concat(chunks, length);
}

async function fetchOnThread(file: string, digest: string, source: BlobSource, { onProgress, signal }: FetchBlobOptions): Promise<FilledBlob> {
  const thread = await BlobDownload.start(file);
  let finished = false;
  try {
    for (let attempts = 1; ; attempts++) {
      const started = thread.bytes;
      const outcome = await accepted(source, signal, async (request) => {
        const outcome = await thread.get(request, signal, onProgress);
        return outcome.type === "refused" ? refusal(outcome, source) : outcome;
      });
      if (outcome.type === "ended") {
        const hex = await thread.finish();
        finished = true;
        return { hex, size: thread.bytes };
      }
      signal?.throwIfAborted();
      if (attempts < maxAttempts && thread.bytes > started) continue;
      throw interrupted(digest, source, outcome.message);
    }
  } finally {
    // Bytes that arrived before an interruption are good; keeping them lets a resume skip them.
    if (!finished) await thread.keep().catch(() => undefined);
    thread.stop();
  }
}

function interrupted(digest: string, source: BlobSource, reason: string): UpstreamError {
  return new UpstreamError(`The download of ${digest} from ${source.name} was interrupted: ${reason}.`, {
    fix: "Pull again: a large download resumes where it stopped.",
    code: "download_interrupted",
  });
}

/**
 * Asks with the source's request until its server accepts: `get` answers a refusal as the `Response`, which goes
 * to the source to renew its credentials or to throw the error to report.
 */
async function accepted<T>(source: BlobSource, signal: AbortSignal | undefined, get: (request: BlobRequest) => Promise<T | Response>): Promise<T> {
  for (let refusals = 0; ; refusals++) {
    const answer = await get(await source.request(signal));
    if (!(answer instanceof Response)) return answer;
    await source.refused(answer, refusals);
    await answer.body?.cancel().catch(() => undefined);
  }
}

/** The thread's refusal as a `Response`, which the sources' error readers take. */
function refusal({ status, headers, body }: Extract<GetOutcome, { type: "refused" }>, source: BlobSource): Response {
  // `Response` takes only the statuses HTTP defines for a final answer.
  if (status < 200 || status > 599)
    throw new UpstreamError(`${source.name} answered with HTTP status ${status}.`, {
      fix: "The server does not speak HTTP as it should; try again, and if it persists, ask its operator.",
      code: "bad_status",
    });
  const bodiless = status === 204 || status === 205 || status === 304;
  return new Response(bodiless ? null : body, { status, headers });
}
