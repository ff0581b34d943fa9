import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { UpstreamError } from "../errors";
import { unreachableError } from "./unreachable-error";

/**
 * A GET answered with its body as a Node stream. Blob downloads go through `node:http` rather than `fetch`:
 * undici hands a body over as a web stream of small chunks through adapters whose per-chunk work and garbage
 * capped a loopback pull at a third of curl's speed; a socket's own 64 KiB reads do not.
 */
export interface StreamedResponse {
  status: number;
  headers: Headers;
  body: IncomingMessage;
}

/** Redirects followed, as many as `fetch` follows. */
const maxRedirects = 20;

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * `GET url`, following redirects as `fetch` does: registries and the Hub send blob downloads on to a storage
 * backend, and the `Authorization` meant for the registry is not passed on to another origin. A network
 * failure is reported as `server` being unreachable; an abort stays an abort.
 */
export async function streamedGet(
  server: string,
  url: URL,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<StreamedResponse> {
  let target = url;
  let sent = headers;
  for (let redirects = 0; ; redirects++) {
    const response = await get(server, target, sent, signal);
    const location = response.headers.location;
    if (!redirectStatuses.has(response.statusCode ?? 0) || location === undefined) return streamed(response);
    response.resume();
    if (redirects === maxRedirects) {
      throw new UpstreamError(`${server} redirected the download of ${url.pathname} more than ${maxRedirects} times.`, {
        fix: "The server is misconfigured; ask its operator.",
        code: "too_many_redirects",
      });
    }
    const next = new URL(location, target);
    if (next.origin !== target.origin) sent = withoutAuthorization(sent);
    target = next;
  }
}

function get(server: string, url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    request(url, { headers, signal }, resolve)
      .on("error", (error) => reject(signal?.aborted ? signal.reason : unreachableError(server, url, error)))
      .end();
  });
}

function streamed(response: IncomingMessage): StreamedResponse {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const each of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, each);
  }
  return { status: response.statusCode ?? 0, headers, body: response };
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== "authorization"));
}
