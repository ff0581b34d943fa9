import pkg from "../../../package.json";
import { log, format, type LogLine } from "../../log";
import { type Router, sendJson } from "../router";
import type { HostMetrics } from "../../metrics/host-metrics";

export function rootRoutes(router: Router, metrics: HostMetrics): void {
  router.on("GET", "/metrics", ({ res }) => {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(metrics.expose());
  });
  router.on("GET", "/", ({ res }) => {
    res.writeHead(200, { "content-type": "text/plain" }).end("Local Model Runner is running");
  });
  router.on("GET", "/version", ({ res }) => sendJson(res, 200, { version: pkg.version }));
  // `lmr logs [-f]`: the recent lines, then (with follow) every new one until the client leaves.
  router.on("GET", "/logs", ({ res, url, signal }) => {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    const write = (line: LogLine) => res.write(`${format(line)}\n`);
    log.recent().forEach(write);
    if (url.searchParams.get("follow") !== "true") return void res.end();
    const stop = log.follow(write);
    signal.addEventListener("abort", stop, { once: true });
  });
}
