/** The generated models most host tests use, written once per test file and packaged into its store. */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeTinyModel, type TinyModel } from "../fixtures/model-tiny";
import { lmr } from "./host";

export interface TestModels {
  dir: string;
  chatml: TinyModel;
  llama3: TinyModel;
  tools: TinyModel;
  noFim: TinyModel;
}

export const NAMES = { chatml: "test/chatml", llama3: "test/llama3", tools: "test/tools", noFim: "test/no-fim" } as const;

export async function writeTestModels(): Promise<TestModels> {
  const dir = await mkdtemp(path.join(tmpdir(), "lmr-models-"));
  return {
    dir,
    chatml: await writeTinyModel(dir, { chatTemplate: "chatml" }),
    llama3: await writeTinyModel(dir, { chatTemplate: "llama3", reply: "Greetings from the Llama 3 family." }),
    tools: await writeTinyModel(dir, { chatTemplate: "qwen2.5-tools", contextLength: 2048, toolCall: { name: "get_weather", arguments: { city: "Paris" } } }),
    noFim: await writeTinyModel(dir, { chatTemplate: "chatml", infill: false }),
  };
}

/** Packages models with the built CLI, as a user would, into the given store. */
export async function packageModels(modelsPath: string, models: Partial<Record<keyof typeof NAMES, TinyModel>>): Promise<void> {
  for (const [key, model] of Object.entries(models)) {
    const name = NAMES[key as keyof typeof NAMES];
    const result = await lmr(["package", "--gguf", model.path, "--models-path", modelsPath, name]);
    if (result.code !== 0) throw new Error(`lmr package ${name} failed: ${result.stderr}`);
  }
}
