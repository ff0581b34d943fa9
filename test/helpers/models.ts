/** The generated models most host tests use, and a host serving them from a store of its own. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeTinyModel, type TinyModel, type TinyModelRecipe } from "../fixtures/model-tiny";
import { lmr, startHost, type TestHost } from "./host";

export const NAMES = { chatml: "test/chatml", llama3: "test/llama3", tools: "test/tools", noFim: "test/no-fim" } as const;
type ModelKey = keyof typeof NAMES;

export const RECIPES: Record<ModelKey, TinyModelRecipe> = {
  chatml: { chatTemplate: "chatml" },
  llama3: { chatTemplate: "llama3", reply: "Greetings from the Llama 3 family." },
  // The tools section of the template costs about a token per character, hence the larger context.
  tools: { chatTemplate: "qwen2.5-tools", contextLength: 2048, toolCall: { name: "get_weather", arguments: { city: "Paris" } } },
  noFim: { chatTemplate: "chatml", infill: false },
};

export type TestModels = Record<ModelKey, TinyModel> & { dir: string };

/** Packages models with the built CLI, as a user would, into the given store. */
export async function packageModels(modelsPath: string, models: Partial<Record<ModelKey, TinyModel>>): Promise<void> {
  for (const [key, model] of Object.entries(models)) {
    const name = NAMES[key as ModelKey];
    const result = await lmr(["package", "--gguf", model.path, "--models-path", modelsPath, name]);
    if (result.code !== 0) throw new Error(`lmr package ${name} failed: ${result.stderr}`);
  }
}

/**
 * Writes the named models, packages them into a new store and starts a host on it; the host's
 * `stop` also removes the models and the store.
 */
export async function startHostWithModels(keys: ModelKey[], options: { args?: string[]; env?: Record<string, string> } = {}): Promise<{ host: TestHost; models: TestModels }> {
  const dir = await mkdtemp(path.join(tmpdir(), "lmr-models-"));
  const written: Partial<Record<ModelKey, TinyModel>> = {};
  for (const key of keys) written[key] = await writeTinyModel(dir, RECIPES[key]);
  const modelsPath = await mkdtemp(path.join(tmpdir(), "lmr-store-"));
  await packageModels(modelsPath, written);
  const host = await startHost({ modelsPath, ...options });
  const stopHost = host.stop;
  host.stop = async () => {
    await stopHost();
    await rm(dir, { recursive: true, force: true });
    await rm(modelsPath, { recursive: true, force: true });
  };
  return { host, models: { ...(written as Record<ModelKey, TinyModel>), dir } };
}
