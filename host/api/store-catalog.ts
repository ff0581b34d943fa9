import type { Engine, EngineName } from "../engines/engine";
import type { ModelObject } from "../protocol/openai";
import type { Scheduler } from "../scheduler/scheduler";
import { contextSizeInForce, modelName } from "../scheduler/store-model-source";
import type { ModelConfiguration } from "../protocol/store";
import type { ModelStore, StoredModel } from "../store/store";
import type { ModelCatalog } from "./model-catalog";

/** `/v1/models` over the store: every tag is a model id, with the context size that is in force. */
export class StoreCatalog implements ModelCatalog {
  constructor(
    private readonly store: ModelStore,
    private readonly scheduler: Scheduler,
    private readonly engines: readonly Engine[],
  ) {}

  async list(engine?: EngineName): Promise<ModelObject[]> {
    const [models, configurations] = await Promise.all([this.store.list(), this.store.configurations()]);
    const local = models.flatMap((model) => this.describe(model, configurations[model.id] ?? {}));
    const remote = (await Promise.all(this.engines.map((e) => e.remoteModels?.() ?? []))).flat();
    return [...local, ...remote].filter((model) => !engine || model.engine === engine);
  }

  async get(name: string): Promise<ModelObject> {
    const model = await this.store.get(name);
    const objects = this.describe(model, await this.store.configuration(model));
    const wanted = modelName(model, name);
    return objects.find((object) => object.id === wanted) ?? objects[0]!;
  }

  private describe(model: StoredModel, configuration: ModelConfiguration): ModelObject[] {
    const config = model.config.config;
    const format = config.format ?? "gguf";
    const loaded = this.scheduler.runnerOf(modelName(model, model.id));
    const contextWindow = loaded?.description.contextSize ?? contextSizeInForce(model, configuration);
    const created = Math.floor((model.created?.getTime() ?? 0) / 1000);
    return model.tags.map(String).map((tag) => ({
      id: tag,
      object: "model" as const,
      created,
      owned_by: tag.split("/").slice(-2, -1)[0] ?? "local",
      context_window: contextWindow,
      architecture: config.architecture,
      parameters: config.parameters,
      quantization: config.quantization,
      size: config.size,
      format,
      engine: format === "safetensors" ? "vllm" : "llama.cpp",
    }));
  }
}
