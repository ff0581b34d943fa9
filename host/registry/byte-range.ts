/** Bytes `start` to `end` (inclusive; to the end of the file when left out). */
export interface ByteRange {
  start: number;
  end?: number;
}

/** The `Range` header for a byte range; none for a whole file. */
export function rangeHeader({ start, end }: ByteRange): Record<string, string> {
  if (start === 0 && end === undefined) return {};
  return { range: `bytes=${start}-${end ?? ""}` };
}
