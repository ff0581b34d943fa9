import { UpstreamError } from "../errors";
import type { GgufByteReader } from "../gguf/reader";
import type { ByteRange } from "./byte-range";

/** Asks a server for a range of one file's bytes. */
export type RangeFetcher = (range: Required<ByteRange>) => Promise<Response>;

/**
 * A GGUF byte reader over HTTP: each read is one `Range` request, so a model's header is read without its
 * weights. A server that ignores the range is read only as far as asked, then hung up on.
 */
export function rangeReader(fetchRange: RangeFetcher, name: string): GgufByteReader {
  return async (offset, length) => {
    const response = await fetchRange({ start: offset, end: offset + length - 1 });
    if (response.status === 416) {
      await response.body?.cancel();
      return new Uint8Array(0);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new UpstreamError(`Reading bytes ${offset}–${offset + length - 1} of ${name} failed with HTTP ${response.status}.`, {
        fix: "Try again; the server may be busy.",
        code: "range_read_failed",
      });
    }
    const skip = response.status === 206 ? 0 : offset;
    const bytes = new Uint8Array(length);
    let position = 0;
    let filled = 0;
    const reader = response.body.getReader();
    try {
      while (filled < length) {
        const { done, value } = await reader.read();
        if (done) break;
        const from = Math.max(0, skip - position);
        position += value.byteLength;
        if (from >= value.byteLength) continue;
        const take = value.subarray(from, from + length - filled);
        bytes.set(take, filled);
        filled += take.byteLength;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    return bytes.subarray(0, filled);
  };
}
