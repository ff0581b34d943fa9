/**
 * What each control request does, in the terms of the host's own parts: the store, the scheduler, the engines and
 * the registry client, the same calls the HTTP API and the CLI make.
 */
import { stat } from "node:fs/promises";
import type { WorkDoneProgressReporter } from "vscode-languageserver/node";
import type { z } from "zod";
import pkg from "../../package.json";
import { StoreCatalog } from "../api/store-catalog";
import { removeModel } from "../scheduler/remove-model";
import type { Host } from "../host";
import { log } from "../log";
import { type ControlRequestName, ControlRequests, type ControlResult, type LoadedModel } from "../protocol/control";
import { pullModel } from "../registry/pull";
import { pushModel } from "../registry/push";
import { defaultContextSize, listQuantizations } from "../registry/quants";
import type { LoadedModelStatus } from "../scheduler/scheduler";
import { packageGguf, packageSafetensors } from "../store/package";
import { ModelReference } from "../store/reference";
import { freeMemory } from "../engines/free-memory";
import { buildLlamaCpp } from "../engines/llamacpp/local-build";
import { transferReport } from "./transfer-report";

export interface RequestContext {
  signal: AbortSignal;
  progress: WorkDoneProgressReporter;
}

export type RequestHandlers = {
  [Name in ControlRequestName]: (
    params: z.output<(typeof ControlRequests)[Name]["params"]>,
    context: RequestContext,
  ) => Promise<ControlResult<Name>>;
};

export function requestHandlers(host: Host): RequestHandlers {
  const { store, scheduler, engines } = host;
  const catalog = new StoreCatalog(store, scheduler, engines);
  const free = freeMemory(engines);

  return {
    async status() {
      return {
        version: pkg.version,
        url: host.url.origin,
        modelsPath: store.root,
        engines: await Promise.all(engines.map((engine) => engine.status())),
      };
    },

    async models() {
      // The catalog also lists what an attached vLLM serves; the editor's Models view is the store.
      const local = new Set((await store.list()).flatMap((model) => model.tags.map(String)));
      return (await catalog.list())
        .filter((model) => local.has(model.id))
        .map((model) => ({
          name: model.id,
          created: model.created,
          contextWindow: model.context_window,
          architecture: model.architecture,
          parameters: model.parameters,
          quantization: model.quantization,
          size: model.size,
          format: model.format,
          engine: model.engine === "vllm" ? "vllm" : "llama.cpp",
          loaded: scheduler.isLoaded(model.id),
        }));
    },

    async inspect({ model: name }) {
      const model = await store.get(name);
      return {
        id: model.id,
        tags: model.tags.map(String),
        created: model.created?.toISOString(),
        size: model.size,
        config: model.config,
        configuration: await store.configuration(model),
      };
    },

    async pull({ reference }, { signal, progress }) {
      const ref = ModelReference.parse(reference);
      progress.begin(`Pulling ${ref}`, 0, undefined, true);
      try {
        const model = await pullModel(store, ref, { signal, onProgress: transferReport(progress) });
        return { name: ref.toString(), id: model.id };
      } finally {
        progress.done();
      }
    },

    async push({ model }, { signal, progress }) {
      progress.begin(`Pushing ${model}`, 0, undefined, true);
      try {
        const pushed = await pushModel(store, model, { signal, onProgress: transferReport(progress) });
        return { reference: pushed.reference.toString(), digest: pushed.digest };
      } finally {
        progress.done();
      }
    },

    async build(_params, { signal, progress }) {
      progress.begin("Building llama.cpp for this CPU", undefined, undefined, true);
      try {
        return await buildLlamaCpp({ signal, onProgress: (line) => progress.report(line.message) });
      } finally {
        progress.done();
      }
    },

    async package({ path, name, licenses, contextSize, push }, { signal, progress }) {
      progress.begin(`Packaging ${name}`, undefined, undefined, true);
      try {
        const model = (await stat(path)).isDirectory()
          ? await packageSafetensors(store, { dir: path, license: licenses }, name)
          : await packageGguf(store, { gguf: path, license: licenses, contextSize }, name);
        if (push) {
          progress.report(0, `Pushing ${name}`);
          await pushModel(store, name, { signal, onProgress: transferReport(progress) });
        }
        return { name: ModelReference.parse(name).toString(), id: model.id };
      } finally {
        progress.done();
      }
    },

    async load({ model }, { progress }) {
      progress.begin(`Loading ${model}`);
      try {
        const lease = await scheduler.acquire(model);
        // Read while the lease holds it: a keep-alive of 0 unloads it on release.
        const loaded = scheduler.status().find((slot) => slot.model === lease.model.name)!;
        lease.release();
        return loadedModel(loaded);
      } finally {
        progress.done();
      }
    },

    async remove({ model: name, force }) {
      const removed = await removeModel(store, scheduler, name, force ?? false);
      return { untagged: removed.untagged, deleted: removed.deleted };
    },

    async tag({ source, target }) {
      return { target: (await store.tag(source, target)).toString() };
    },

    async configure({ model: name, patch }) {
      if (patch.runtimeFlags) {
        const format = (await store.get(name)).config.config.format ?? "gguf";
        for (const engine of engines) {
          if ((engine.formats as readonly string[]).includes(format)) engine.checkRuntimeFlags?.(patch.runtimeFlags);
        }
      }
      return store.configure(name, patch);
    },

    async ps() {
      return scheduler.status().map(loadedModel);
    },

    async unload({ models, engine }) {
      return { unloaded: await scheduler.unload({ models, engine }) };
    },

    async logs() {
      return [...log.recent()];
    },

    async quants({ reference, contextSize }, { signal }) {
      const local = contextSize === undefined ? await store.resolve(reference) : undefined;
      const context = contextSize ?? (local && (await store.configuration(local.id)).contextSize) ?? defaultContextSize;
      const [quantizations, memory] = await Promise.all([listQuantizations(reference, { contextSize: context, signal }), free()]);
      return {
        reference: ModelReference.parse(reference).name,
        contextSize: context,
        free: memory,
        quantizations: quantizations.map(({ contextSize: _context, ...quantization }) => ({ ...quantization, fits: quantization.memory.total <= memory.bytes })),
      };
    },
  };
}

function loadedModel(slot: LoadedModelStatus): LoadedModel {
  return {
    model: slot.model,
    engine: slot.engine,
    loading: slot.loading,
    inUse: slot.inUse,
    contextSize: slot.contextSize,
    keepAlive: slot.keepAlive,
    lastUsed: slot.lastUsed.toISOString(),
    memory: slot.memory,
  };
}
