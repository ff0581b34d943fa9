import { createHash } from "node:crypto";
import { UpstreamError } from "../errors";
import { writeFileAtomic } from "../store/atomic-write";
import type { BlobInfo, BlobStore, FilledBlob } from "../store/blobs";
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
   * The server answered another status than 200, 206 or 416, for the `refusals`th time in this download: resolves
   * when asking again may work (its credentials renewed), else throws the error to report.
   */
  refused(response: Response, refusals: number): Promise<void>;
}

export interface FetchBlobOptions {
  /** The blob's size, as its manifest or file list gives it. */
  size: number;
  /** Bytes of this blob on disk so far, resumed ones included. */
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
 * Downloads a blob into the store, resuming from the `.incomplete` bytes an earlier try left and asking again
 * from where it got when the connection drops mid-way. The bytes travel on a download thread, off the host's
 * event loop. The store checks the digest and holds the blob's lock, so a second pull of the same blob — in
 * this process or another — waits and then finds it there instead of downloading it again.
 */
export function fetchBlob(blobs: BlobStore, digest: string, source: BlobSource, options: FetchBlobOptions): Promise<BlobInfo> {
  if (options.size <= smallBlobBytes) return blobs.write(digest, (file) => downloadWhole(file, digest, source, options));
  return blobs.write(digest, (file, resume) => download(file, resume, digest, source, options), { resume: true });
}

async function downloadWhole(file: string, digest: string, source: BlobSource, { onProgress, signal }: FetchBlobOptions): Promise<FilledBlob> {
  const bytes = await accepted(source, async ({ server, url, headers }) => {
    const response = await send(server, new URL(url), { headers, signal });
    if (!response.ok) return response;
    return new Uint8Array(await response.arrayBuffer().catch((error: unknown) => {
      throw signal?.aborted ? signal.reason : interrupted(digest, source, networkReason(error));
    }));
  }, signal);
  await writeFileAtomic(file, bytes);
  onProgress?.(bytes.byteLength);
  return { hex: createHash("sha256").update(bytes).digest("hex"), size: bytes.byteLength };
}

async function download(file: string, resume: boolean, digest: string, source: BlobSource, { onProgress, signal }: FetchBlobOptions): Promise<FilledBlob> {
  const download = await BlobDownload.start(file, resume);
  let finished = false;
  try {
    for (let attempts = 1; ; attempts++) {
      signal?.throwIfAborted();
      const started = download.bytes;
      const outcome = await accepted(source, async (request) => {
        const outcome = await download.get(request, signal, onProgress);
        return outcome.type === "refused" ? refusal(outcome) : outcome;
      }, signal);
      if (outcome.type === "ended") {
        const hex = await download.finish();
        finished = true;
        return { hex, size: download.bytes };
      }
      signal?.throwIfAborted();
      if (attempts < maxAttempts && download.bytes > started) continue;
      throw interrupted(digest, source, outcome.message);
    }
  } finally {
    // Bytes that arrived before an interruption are good; keeping them lets a resume skip them.
    if (!finished) await download.keep().catch(() => undefined);
    download.stop();
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
async function accepted<T>(source: BlobSource, get: (request: BlobRequest) => Promise<T | Response>, signal: AbortSignal | undefined): Promise<T> {
  for (let refusals = 0; ; refusals++) {
    const answer = await get(await source.request(signal));
    if (!(answer instanceof Response)) return answer;
    await source.refused(answer, refusals);
  }
}

/** The thread's refusal as a `Response`, which the sources' error readers take. */
function refusal({ status, headers, body }: Extract<GetOutcome, { type: "refused" }>): Response {
  const bodiless = status === 204 || status === 205 || status === 304;
  return new Response(bodiless ? null : body, { status, headers });
}
