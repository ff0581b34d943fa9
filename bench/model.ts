import { mkdir, rename, stat } from "node:fs/promises";
import path from "node:path";
import { GgmlType } from "../host/gguf/types";
import { writeSmolLm2ShapedModel } from "../test/fixtures/model-smollm2";

const MODELS_DIR = path.resolve(import.meta.dirname, "../.cache/bench-models");
const FILE_NAME = "smollm2-135m-shaped-q8_0.gguf";

/**
 * The benchmark's model: SmolLM2-135M's shapes in Q8_0 with random weights, so the figures are the
 * real model's compute without a download. Written once; later runs reuse the file.
 */
export async function benchModelPath(): Promise<string> {
  const file = path.join(MODELS_DIR, FILE_NAME);
  if (await exists(file)) return file;
  await mkdir(MODELS_DIR, { recursive: true });
  // Written under another name and renamed, so an interrupted run never leaves a truncated model behind.
  const partial = `${FILE_NAME}.partial`;
  await writeSmolLm2ShapedModel(MODELS_DIR, { weightType: GgmlType.Q8_0, fileName: partial });
  await rename(path.join(MODELS_DIR, partial), file);
  return file;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
}
