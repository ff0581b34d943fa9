import type { ModelToLoad } from "../engines/engine";
import type { ModelConfiguration } from "../protocol/store";
import type { ModelStore, StoredModel } from "../store/store";
import { ModelReference } from "../store/reference";
import type { ModelSource } from "./scheduler";

/**
 * llama.cpp's default would be the model's training context, often 128k tokens, which no laptop
 * holds; Docker Model Runner settles on 4096 and so do we, unless the model or the user says more.
 */
export const DEFAULT_CONTEXT_SIZE = 4096;

/** Resolves names through the store, with the configuration `lmr configure` recorded in force. */
export class StoreModelSource implements ModelSource {
  constructor(private readonly store: ModelStore) {}

  async resolve(name: string): Promise<ModelToLoad & { keepAlive?: string }> {
    const model = await this.store.get(name);
    const [bundle, configuration] = await Promise.all([this.store.bundle(model), this.store.configuration(model)]);
    const config = model.config.config;
    const format = config.format === "safetensors" ? "safetensors" : "gguf";
    return {
      name: modelName(model, name),
      id: model.id,
      format,
      path: format === "gguf" ? bundle.gguf[0]! : bundle.dir,
      contextSize: contextSizeInForce(model, configuration),
      runtimeFlags: configuration.runtimeFlags ?? [],
      vllm: configuration.vllm,
      keepAlive: configuration.keepAlive,
    };
  }
}

/** The context size a model runs with: configured, else packaged, else the default within its training. */
export function contextSizeInForce(model: StoredModel, configuration: ModelConfiguration): number {
  const config = model.config.config;
  return configuration.contextSize ?? config.context_size ?? Math.min(trainedContextSize(config.gguf) ?? DEFAULT_CONTEXT_SIZE, DEFAULT_CONTEXT_SIZE);
}

function trainedContextSize(gguf: Record<string, string> | undefined): number | undefined {
  const architecture = gguf?.["general.architecture"];
  const value = architecture ? Number(gguf?.[`${architecture}.context_length`]) : NaN;
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** The name a model answers to: the one asked for when it is a tag, else the model's first tag. */
export function modelName(model: StoredModel, asked: string): string {
  try {
    const reference = ModelReference.parse(asked).toString();
    if (model.tags.some((tag) => tag.toString() === reference)) return reference;
  } catch {
    // An ID or ID prefix, not a name.
  }
  return model.tags[0]?.toString() ?? model.id;
}
