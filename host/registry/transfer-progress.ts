import type { ProgressListener } from "../protocol/progress";
import { formatBytes } from "../format-bytes";

/** Report a layer again once it moved this far, so a multi-gigabyte pull yields a few thousand lines, not millions. */
const reportEvery = 1024 * 1024;

/**
 * Bytes moved per layer of one pull or push, reported as Docker Model Runner's progress lines: `total` over all
 * blobs, `layer` with the one that moved.
 */
export class TransferProgress {
  readonly #current = new Map<string, number>();
  readonly #reported = new Map<string, number>();
  readonly #total: number;

  constructor(
    private readonly verb: "Downloaded" | "Uploaded",
    private readonly blobs: readonly { digest: string; size: number }[],
    private readonly listener: ProgressListener | undefined,
  ) {
    this.#total = blobs.reduce((sum, blob) => sum + blob.size, 0);
  }

  /** A layer reached `bytes` (absolute, not a delta, so retries and resumes cannot count twice). */
  update(digest: string, bytes: number): void {
    const size = this.blobs.find((blob) => blob.digest === digest)?.size ?? bytes;
    this.#current.set(digest, bytes);
    const last = this.#reported.get(digest);
    if (last !== undefined && bytes < size && bytes - last < reportEvery) return;
    if (last === bytes) return;
    this.#reported.set(digest, bytes);
    const done = [...this.#current.values()].reduce((sum, value) => sum + value, 0);
    this.listener?.({
      type: "progress",
      message: `${this.verb} ${formatBytes(done)} of ${formatBytes(this.#total)}`,
      total: this.#total,
      layer: { id: digest, size, current: bytes },
    });
  }

  /** A layer that needed no transfer (already in the store, already in the registry, mounted). */
  skip(digest: string): void {
    this.update(digest, this.blobs.find((blob) => blob.digest === digest)?.size ?? 0);
  }

  success(message: string): void {
    this.listener?.({ type: "success", message, total: this.#total });
  }

  warning(message: string): void {
    this.listener?.({ type: "warning", message });
  }
}
