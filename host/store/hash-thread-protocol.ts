/** Messages between BlobWriter and its hashing thread (hash-thread.ts); both sides are this project's code. */

export interface HashThreadData {
  /** A file whose bytes come first in the hash: what an interrupted download left. */
  resumeFrom?: string;
}

export type HashRequest =
  /** The first `length` bytes of `buffer` come next; the buffer moves to the thread and back. */
  | { type: "update"; buffer: ArrayBuffer; length: number }
  | { type: "digest" };

export type HashResponse =
  /** Ready, after hashing the `size` bytes already in the resumed file. */
  | { type: "ready"; size: number }
  /** The buffer of an update, hashed and handed back to be filled again. */
  | { type: "updated"; buffer: ArrayBuffer }
  | { type: "digest"; hex: string }
  | { type: "failed"; message: string };
