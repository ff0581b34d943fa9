import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { log } from "../log";
import { sendError } from "./error-response";
import { Router } from "./router";
import { authorize, type SecurityOptions } from "./security";

export interface ListenOptions {
  host: string;
  port: number;
}

/**
 * The HTTP server: authorizes each request, dispatches it, and aborts its work when the client
 * disconnects before the response is complete.
 */
export function createApiServer(router: Router, security: SecurityOptions, observe: (route: string, status: number) => void): Server {
  return createServer((req, res) => {
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const url = new URL(req.url ?? "/", "http://localhost");
    const started = performance.now();
    let route = "unmatched";
    res.on("finish", () => {
      observe(`${req.method} ${route}`, res.statusCode);
      log.write("debug", "api", `${req.method} ${url.pathname} ${res.statusCode} ${(performance.now() - started).toFixed(0)}ms`);
    });
    void (async () => {
      authorize(req, security);
      await router.dispatch({ req, res, url, signal: controller.signal }, (matched) => (route = matched));
    })().catch((error) => sendError(res, error));
  });
}

export async function listen(server: Server, { host, port }: ListenOptions): Promise<URL> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return new URL(`http://${shown}:${address.port}`);
}
