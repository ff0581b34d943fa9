import { unreachableError } from "./unreachable-error";

/**
 * `fetch`, with a network failure reported as the server being unreachable (named as the user knows it) rather
 * than undici's bare "fetch failed". An abort stays an abort.
 */
export async function send(server: string, url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    throw unreachableError(server, url, error);
  }
}
