import { UserError } from "../errors";
import { KeepAliveSchema } from "../protocol/store";

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds a model stays loaded after its last request, from a Go duration as Docker Model
 * Runner takes it ("5m", "1h30m"); "0" unloads at once, "-1" (`Infinity`) never.
 */
export function parseKeepAlive(text: string): number {
  if (!KeepAliveSchema.safeParse(text).success)
    throw new UserError(`keep-alive "${text}" is not a duration`, {
      param: "keep_alive",
      fix: 'Use a duration like "30s", "5m" or "1h30m", "0" to unload after each request, or "-1" to keep the model loaded.',
    });
  if (text === "-1") return Number.POSITIVE_INFINITY;
  let ms = 0;
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(value) * UNIT_MS[unit!]!;
  return ms;
}

export const DEFAULT_KEEP_ALIVE = "5m";
