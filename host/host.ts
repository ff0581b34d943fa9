/**
 * The host: the store, the engines, the scheduler and the HTTP API, wired together. The CLI's
 * `serve`, the extension (through `serve --stdio`) and the tests all start it through here.
 */
import type { Server } from "node:http";
import { createApiServer, listen } from "./api/server";
import { Router } from "./api/router";
import { inferenceRoutes } from "./api/routes/inference";
import { distributionRoutes } from "./api/routes/distribution";
import { modelRoutes } from "./api/routes/models";
import { engineRoutes } from "./api/routes/engines";
import { installRoutes } from "./api/routes/install";
import { rootRoutes } from "./api/routes/root";
import { StoreCatalog } from "./api/store-catalog";
import type { Engine } from "./engines/engine";
import { LlamaCppEngine, type LlamaCppEngineOptions } from "./engines/llamacpp/engine";
import { freeMemory } from "./engines/free-memory";
import { VllmEngine, type VllmEngineOptions } from "./engines/vllm/engine";
import { log } from "./log";
import { HostMetrics } from "./metrics/host-metrics";
import { Scheduler } from "./scheduler/scheduler";
import { StoreModelSource } from "./scheduler/store-model-source";
import { ModelStore } from "./store/store";

export interface HostOptions {
  host: string;
  port: number;
  modelsPath?: string;
  apiKey?: string;
  allowedHosts?: string[];
  allowedOrigins?: string[];
  llamaCpp?: LlamaCppEngineOptions;
  vllm?: VllmEngineOptions;
  queueLimit?: number;
  memoryBudget?: number;
  keepAlive?: string;
}

export interface Host {
  url: URL;
  store: ModelStore;
  scheduler: Scheduler;
  engines: readonly Engine[];
  close(): Promise<void>;
}

export async function startHost(options: HostOptions): Promise<Host> {
  const store = await ModelStore.open({ root: options.modelsPath });
  const engines: Engine[] = [new LlamaCppEngine(options.llamaCpp), new VllmEngine(options.vllm)];
  const scheduler = new Scheduler(engines, new StoreModelSource(store), { queueLimit: options.queueLimit, memoryBudget: options.memoryBudget, keepAlive: options.keepAlive });
  const catalog = new StoreCatalog(store, scheduler, engines);

  const metrics = new HostMetrics(scheduler);

  const router = new Router();
  rootRoutes(router, metrics);
  inferenceRoutes(router, scheduler, catalog, metrics);
  // Before the model routes: `/models/quants` and `…/push` would otherwise read as model names.
  distributionRoutes(router, store, freeMemory(engines));

  modelRoutes(router, store, scheduler);
  engineRoutes(router, store, scheduler, engines);
  installRoutes(router, options.vllm?.executable);

  const server: Server = createApiServer(router, {
    apiKey: options.apiKey,
    allowedHosts: [...(options.allowedHosts ?? []), ...(isLoopback(options.host) ? [] : [options.host])],
    allowedOrigins: options.allowedOrigins ?? [],
  }, (route, status) => metrics.request(route, status));
  const url = await listen(server, { host: options.host, port: options.port });
  log.write("info", "host", `models in ${store.root}`);
  return {
    url,
    store,
    scheduler,
    engines,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await scheduler.shutdown();
    },
  };
}

function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1";
}
