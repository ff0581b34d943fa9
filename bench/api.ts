import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import type { Contender } from "./contender";
import { streamCompletion } from "./measure";
import type { BenchOptions } from "./options";
import { startServerProcess } from "./server-process";

const LMR = path.resolve(import.meta.dirname, "../dist/lmr.mjs");
const MODEL_NAME = "bench/smollm2-135m-shaped:Q8_0";

export const OUR_API = "our API";

/** The model packaged into a store of its own with the built CLI, as a user would: once for the whole run. */
export interface OurApiStore {
  modelsPath: string;
  remove(): Promise<void>;
}

export async function packageForOurApi(modelPath: string, options: BenchOptions): Promise<OurApiStore> {
  const modelsPath = await mkdtemp(path.join(tmpdir(), "lmr-bench-store-"));
  const remove = () => rm(modelsPath, { recursive: true, force: true });
  try {
    await execa(process.execPath, [LMR, "package", "--gguf", modelPath, "--context-size", String(options.contextSize), "--models-path", modelsPath, MODEL_NAME]);
    return { modelsPath, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Our product as a user runs it: `lmr serve` on a free port, and OpenAI's streaming completions on Docker Model Runner's path. */
export async function startOurApi({ modelsPath }: OurApiStore, options: BenchOptions): Promise<Contender> {
  const server = await startServerProcess("lmr serve", process.execPath, [
    ...[LMR, "serve", "--port", "0", "--models-path", modelsPath, "--gpu", "none"],
    ...["--threads", String(options.threads), "--parallel", String(options.parallel)],
  ]);
  return {
    name: OUR_API,
    complete: (request) => streamCompletion(`${server.url}/engines/v1/completions`, MODEL_NAME, request),
    close: () => server.stop(),
  };
}
