import { EngineUnavailableError, UpstreamError, UserError } from "../errors";
import type { OpenAIErrorBody } from "../protocol/openai";

export const DEFAULT_HOST_URL = "http://127.0.0.1:12434";

/** How the CLI reaches a running host: `LMR_HOST`, with `LMR_API_KEY` as its bearer token. */
export class HostClient {
  readonly base: URL;

  constructor(base = process.env.LMR_HOST ?? DEFAULT_HOST_URL, private readonly apiKey = process.env.LMR_API_KEY) {
    try {
      this.base = new URL(base);
    } catch {
      throw new UserError(`LMR_HOST is not a URL: "${base}"`, { fix: `Example: LMR_HOST=${DEFAULT_HOST_URL}` });
    }
  }

  async request(method: string, path: string, { body, signal, headers }: { body?: unknown; signal?: AbortSignal; headers?: Record<string, string> } = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.base), {
        method,
        signal,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new EngineUnavailableError(`no Local Model Runner host answers at ${this.base.origin}`, {
        fix: "Start one with `lmr serve` (or open the editor with `npm start`), or point LMR_HOST at a running host.",
        cause: error,
      });
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, { body })).json()) as T;
  }
}

async function errorFrom(response: Response): Promise<Error> {
  const text = await response.text();
  let message = text || response.statusText;
  try {
    message = (JSON.parse(text) as OpenAIErrorBody).error.message;
  } catch {
    // Not our error JSON (a proxy's page, say): its text is the best message there is.
  }
  return response.status < 500 ? new UserError(message) : new UpstreamError(message);
}
