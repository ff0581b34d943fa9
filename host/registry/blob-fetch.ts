import { UpstreamError } from "../errors";
import type { BlobInfo, BlobStore, FilledBlob } from "../store/blobs";
import { BlobDownload } from "./blob-download";
import type { BlobRequest } from "./download-thread-protocol";

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
  /** Bytes of this blob on disk so far, resumed ones included. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** Interruptions survived in one call, as long as each attempt got some bytes further. */
const maxAttempts = 5;

/**
 * Downloads a blob into the store, resuming from the `.incomplete` bytes an earlier try left and asking again
 * from where it got when the connection drops mid-way. The bytes travel on a download thread, off the host's
 * event loop. The store checks the digest and holds the blob's lock, so a second pull of the same blob — in
 * this process or another — waits and then finds it there instead of downloading it again.
 */
export function fetchBlob(blobs: BlobStore, digest: string, source: BlobSource, options: FetchBlobOptions = {}): Promise<BlobInfo> {
  return blobs.write(digest, (file, resume) => download(file, resume, digest, source, options), { resume: true });
}

async function download(file: string, resume: boolean, digest: string, source: BlobSource, { onProgress, signal }: FetchBlobOptions): Promise<FilledBlob> {
  const download = await BlobDownload.start(file, resume);
  let finished = false;
  try {
    let attempts = 0;
    let refusals = 0;
    for (;;) {
      signal?.throwIfAborted();
      const started = download.bytes;
      const outcome = await download.get(await source.request(signal), signal, onProgress);
      switch (outcome.type) {
        case "ended":
          const hex = await download.finish();
          finished = true;
          return { hex, size: download.bytes };
        case "refused":
          await source.refused(response(outcome.status, outcome.headers, outcome.body), refusals++);
          continue;
        case "interrupted":
          signal?.throwIfAborted();
          if (++attempts < maxAttempts && download.bytes > started) continue;
          throw new UpstreamError(`The download of ${digest} from ${source.name} was interrupted: ${outcome.message}.`, {
            fix: "Pull again: the download resumes where it stopped.",
            code: "download_interrupted",
          });
      }
    }
  } finally {
    // Bytes that arrived before an interruption are good; keeping them lets a resume skip them.
    if (!finished) await download.keep().catch(() => undefined);
    download.stop();
  }
}

/** A refusal as a `Response`, which the sources' error readers take. */
function response(status: number, headers: [string, string][], body: string): Response {
  const bodiless = status === 204 || status === 205 || status === 304;
  return new Response(bodiless ? null : body, { status, headers });
}
