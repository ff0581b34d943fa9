/**
 * Messages of a blob download's two threads (BlobWriter, blob-writer.ts): batches, named by their index in the
 * memory the threads share (batch-memory.ts), go from the download to the write thread, on to the hash thread,
 * and back to the download to be filled again. Every message is this project's own; none comes from outside.
 */
import type { MessagePort } from "node:worker_threads";

export interface WriteThreadData {
  /** The `.incomplete` file, appended to: bytes an earlier download left stay. */
  path: string;
  memory: SharedArrayBuffer;
  /** Where written batches go next: the hash thread. */
  hashPort: MessagePort;
}

export interface HashThreadData {
  /** A file whose bytes come first in the hash: what an interrupted download left. */
  resumeFrom: string;
  memory: SharedArrayBuffer;
}

/** To the write thread, from the download. */
export type WriteRequest =
  /** The first `length` bytes of batch `index` come next. */
  | { type: "batch"; index: number; length: number }
  /**
   * No more batches: close the file. A `complete` download is also flushed to disk and its digest asked
   * of the hash thread; an interrupted one only keeps its bytes for a resume.
   */
  | { type: "close"; complete: boolean };

/** From the write thread to the download. */
export type WriteResponse = { type: "closed" } | { type: "failed"; message: string };

/** To the hash thread, from the write thread (batches are on disk when they come). */
export type HashRequest = { type: "batch"; index: number; length: number } | { type: "digest" };

/** From the hash thread to the download. */
export type HashResponse =
  /** Ready, after hashing the `size` bytes already in the resumed file. */
  | { type: "ready"; size: number }
  /** A batch, written and hashed, to be filled again. */
  | { type: "free"; index: number }
  | { type: "digest"; hex: string }
  | { type: "failed"; message: string };
