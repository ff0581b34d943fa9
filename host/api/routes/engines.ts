import { ENGINE_NAMES, type Engine } from "../../engines/engine";
import { ConfigureRequestSchema, UnloadRequestSchema, type PsEntry } from "../../protocol/dmr";
import type { Scheduler } from "../../scheduler/scheduler";
import type { ModelStore } from "../../store/store";
import { readBody } from "../body";
import { type Router, sendJson } from "../router";

export function engineRoutes(router: Router, store: ModelStore, scheduler: Scheduler, engines: readonly Engine[]): void {
  router.on("GET", "/engines/status", async ({ res }) => {
    const statuses = await Promise.all(engines.map((engine) => engine.status()));
    sendJson(res, 200, Object.fromEntries(statuses.map((s) => [s.name, { ...s, text: s.state === "running" ? `Running: ${s.version}` : s.state === "not-installed" ? `Not Installed: ${s.detail}` : `Error: ${s.detail}` }])));
  });
  router.on("GET", "/engines/ps", ({ res }) => {
    const entries: PsEntry[] = scheduler.status().map((slot) => ({
      backend_name: slot.engine,
      model_name: slot.model,
      mode: "completion",
      last_used: slot.lastUsed.toISOString(),
      in_use: slot.inUse > 0,
      loading: slot.loading,
      keep_alive: slot.keepAlive,
      context_size: slot.contextSize ?? null,
      memory: slot.memory ?? null,
    }));
    sendJson(res, 200, entries);
  });
  router.on("GET", "/engines/df", async ({ res }) => {
    sendJson(res, 200, await store.diskUsage());
  });
  router.on("POST", "/engines/unload", async ({ req, res }) => {
    const body = await readBody(req, UnloadRequestSchema);
    const unloaded = await scheduler.unload(body.all ? {} : { models: body.models, engine: body.backend });
    sendJson(res, 200, { unloaded_runners: unloaded });
  });
  for (const [prefix, engineName] of [["/engines", "llama.cpp"], ...ENGINE_NAMES.map((name) => [`/engines/${name}`, name])] as const) {
    router.on("POST", `${prefix}/_configure`, async ({ req, res }) => {
      const body = await readBody(req, ConfigureRequestSchema);
      if (body["runtime-flags"]) engines.find((engine) => engine.name === engineName)?.checkRuntimeFlags?.(body["runtime-flags"]);
      const vllm = body.vllm;
      const configuration = await store.configure(body.model, {
        ...(body["context-size"] !== undefined ? { contextSize: body["context-size"] } : {}),
        ...(body["runtime-flags"] !== undefined ? { runtimeFlags: body["runtime-flags"] } : {}),
        ...(body.keep_alive !== undefined ? { keepAlive: body.keep_alive } : {}),
        ...(vllm
          ? {
              vllm: {
                ...(vllm["hf-overrides"] !== undefined ? { hfOverrides: vllm["hf-overrides"] } : {}),
                ...(vllm["gpu-memory-utilization"] !== undefined ? { gpuMemoryUtilization: vllm["gpu-memory-utilization"] } : {}),
                ...(vllm["max-model-len"] !== undefined ? { maxModelLen: vllm["max-model-len"] } : {}),
                ...(vllm["tensor-parallel-size"] !== undefined ? { tensorParallelSize: vllm["tensor-parallel-size"] } : {}),
              },
            }
          : {}),
      });
      sendJson(res, 200, configuration);
    });
    router.on("GET", `${prefix}/_configure`, async ({ res, url }) => {
      const model = url.searchParams.get("model");
      sendJson(res, 200, model ? await store.configuration(model) : {});
    });
  }
}
