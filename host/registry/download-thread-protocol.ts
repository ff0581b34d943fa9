/**
 * Messages between a blob download (blob-download.ts) and its download thread (download-thread.ts), which owns
 * the connection and feeds the store's write and hash threads. Every message is this project's own; none
 * comes from outside.
 */

export interface DownloadThreadData {
  /** The blob's `.incomplete` file; bytes an interrupted download left in it are kept, and only the rest asked for. */
  path: string;
}

/** A GET for a blob's bytes, as plain data: the thread adds the `Range` for what it already has. */
export interface BlobRequest {
  /** The server as the user knows it, for errors. */
  server: string;
  url: string;
  headers: Record<string, string>;
}

/** An error the thread met, rebuilt as the product's error on the other side. */
export interface ThreadError {
  message: string;
  /** Set for an `UpstreamError`: the server's fault, or the network's. */
  code?: string;
  fix?: string;
}

/** To the download thread. */
export type DownloadRequest =
  | ({ type: "get" } & BlobRequest)
  /** Stop the running GET; it ends as an interruption, its bytes kept. */
  | { type: "abort" }
  /** No more GETs: close the file, flushed and with its digest when `complete`. */
  | { type: "close"; complete: boolean };

/**
 * From the download thread. `bytes` counts every byte of the blob taken so far, resumed ones included; the last
 * few MiB of them may still be on their way to disk.
 */
export type DownloadResponse =
  /** The file is open and what it held is hashed. */
  | { type: "ready"; bytes: number }
  | { type: "progress"; bytes: number }
  /** The GET's body arrived whole (or the server said the file already held it all: 416). */
  | { type: "ended"; bytes: number }
  /** The server answered with another status than 200, 206 or 416; its body is read. */
  | { type: "refused"; status: number; headers: [string, string][]; body: string }
  /** The connection broke or was aborted mid-body; what came is on disk. */
  | { type: "interrupted"; bytes: number; message: string }
  /** An error no retry of this GET mends. */
  | { type: "failed"; error: ThreadError }
  | { type: "closed"; hex?: string };
