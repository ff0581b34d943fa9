import { Worker } from "node:worker_threads";
import { bundledThread } from "../bundled-thread";
import { InternalError, UpstreamError } from "../errors";
import { StoreError } from "../store/store-error";
import type { BlobRequest, DownloadRequest, DownloadResponse, DownloadThreadData, ThreadError } from "./download-thread-protocol";

/** How a GET of the thread ended, when no error stopped it. */
export type GetOutcome = Extract<DownloadResponse, { type: "ended" | "refused" | "interrupted" }>;

/** The host's end of a download thread (download-thread.ts): one blob's file, filled by the GETs it is sent. */
export class BlobDownload {
  readonly #thread: Worker;
  #bytes = 0;
  #onProgress: ((bytes: number) => void) | undefined;
  /** The answer awaited: the thread does one thing at a time. */
  #pending: { settle: (message: DownloadResponse) => void; fail: (error: Error) => void } | undefined;
  #stopped: Error | undefined;

  private constructor(data: DownloadThreadData) {
    this.#thread = new Worker(bundledThread("download-thread"), { workerData: data });
    this.#thread.on("message", (message: DownloadResponse) => {
      if ("bytes" in message) this.#bytes = message.bytes;
      if (message.type === "progress") return this.#onProgress?.(message.bytes);
      const pending = this.#pending;
      this.#pending = undefined;
      if (message.type === "failed") pending?.fail(rebuilt(message.error));
      else pending?.settle(message);
    });
    const stop = (error: Error) => {
      this.#stopped ??= error;
      this.#pending?.fail(error);
      this.#pending = undefined;
    };
    this.#thread.once("error", stop);
    this.#thread.once("exit", (code) => stop(new InternalError(`the download thread stopped (exit code ${code})`)));
  }

  /** Opens `path` for a download; the bytes an interrupted one left in it are hashed first and kept. */
  static async start(path: string): Promise<BlobDownload> {
    const download = new BlobDownload({ path });
    try {
      await download.#answer();
      return download;
    } catch (error) {
      download.stop();
      throw error;
    }
  }

  /** Bytes of the blob taken so far, resumed ones included (the last few MiB may still be on their way to disk). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Makes one GET, from the bytes the file holds on; `onProgress` hears of the bytes as they land. */
  async get(request: BlobRequest, signal: AbortSignal | undefined, onProgress?: (bytes: number) => void): Promise<GetOutcome> {
    signal?.throwIfAborted();
    const abort = () => this.#send({ type: "abort" });
    signal?.addEventListener("abort", abort, { once: true });
    this.#onProgress = onProgress;
    try {
      const answer = this.#answer();
      this.#send({ type: "get", ...request });
      const outcome = (await answer) as GetOutcome;
      onProgress?.(this.#bytes);
      return outcome;
    } finally {
      signal?.removeEventListener("abort", abort);
      this.#onProgress = undefined;
    }
  }

  /** Closes the file once the blob is whole: flushed to disk, it answers the hex SHA-256 of all its bytes. */
  async finish(): Promise<string> {
    const { hex } = await this.#close(true);
    if (hex === undefined) throw new InternalError("the download thread closed the file without its digest");
    return hex;
  }

  /** Closes the file of an unfinished download, its bytes kept for a resume. */
  async keep(): Promise<void> {
    await this.#close(false);
  }

  stop(): void {
    void this.#thread.terminate();
  }

  async #close(complete: boolean): Promise<Extract<DownloadResponse, { type: "closed" }>> {
    const answer = this.#answer();
    this.#send({ type: "close", complete });
    return (await answer) as Extract<DownloadResponse, { type: "closed" }>;
  }

  #answer(): Promise<DownloadResponse> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise((settle, fail) => (this.#pending = { settle, fail }));
  }

  #send(request: DownloadRequest): void {
    if (!this.#stopped) this.#thread.postMessage(request);
  }
}

/** The thread's error as the product's: the server's or the network's fault, or a local one (the disk). */
function rebuilt({ message, code, fix }: ThreadError): Error {
  if (code !== undefined) return new UpstreamError(message, { code, fix });
  return new StoreError(`A download could not be stored: ${message}`, {
    fix: "Check the disk that holds the model store: its free space and its permissions.",
    code: "store_write_failed",
  });
}
