import { UserError } from "../errors";

/** Milliseconds a model stays loaded after its last request; `Infinity` for `-1` (never unload). */
export function parseKeepAlive(text: string): number {
  if (text === "-1") return Number.POSITIVE_INFINITY;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match)
    throw new UserError(`keep-alive "${text}" is not a duration`, {
      param: "keep_alive",
      fix: 'Use a number with a unit ("30s", "5m", "1h"), "0" to unload after each request, or "-1" to keep it loaded.',
    });
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? "s"]!;
  return Number(match[1]) * unit;
}

export const DEFAULT_KEEP_ALIVE = "5m";
