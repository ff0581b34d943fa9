import type { IncomingMessage, ServerResponse } from "node:http";
import { MethodNotAllowedError, NotFoundError } from "../errors";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  /** Aborted when the client goes away, so generation stops at once. */
  signal: AbortSignal;
}

type Handler = (context: RouteContext) => Promise<void> | void;

interface Route {
  method: string;
  /** The path as registered, e.g. `/v1/models/{name+}`: a metric label that does not grow with the model names. */
  path: string;
  pattern: RegExp;
  handler: Handler;
}

/** Routes by method and a path pattern with `{name}` segments; `{name+}` spans slashes. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    const source = path
      .replace(/[.]/g, "\\.")
      .replace(/\{(\w+)\+\}/g, "(?<$1>.+)")
      .replace(/\{(\w+)\}/g, "(?<$1>[^/]+)");
    this.routes.push({ method, path, pattern: new RegExp(`^${source}$`), handler });
    return this;
  }

  async dispatch(context: Omit<RouteContext, "params">, onMatch: (route: string) => void = () => {}): Promise<void> {
    const path = context.url.pathname.replace(/\/+$/, "") || "/";
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== context.req.method) continue;
      const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      onMatch(route.path);
      return route.handler({ ...context, params });
    }
    if (pathMatched)
      throw new MethodNotAllowedError(`${context.req.method} is not allowed on ${path}`);
    throw new NotFoundError(`no route ${context.req.method} ${path}`, { fix: "The OpenAI API is under /engines/v1/ (or /v1/); see GET / for the paths." });
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
