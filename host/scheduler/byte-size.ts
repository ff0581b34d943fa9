import { UserError } from "../errors";

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: 2 ** 20, g: 1e9, gb: 1e9, gib: 2 ** 30, t: 1e12, tb: 1e12, tib: 2 ** 40 };

/** "4GiB", "512MB", "2g", "1073741824" → bytes. */
export function parseByteSize(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined)
    throw new UserError(`${what} "${text}" is not a size`, { fix: `Write it like 8GiB, 512MiB or a number of bytes.` });
  return Math.round(Number(match[1]) * unit);
}
