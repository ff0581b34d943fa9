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

/**
 * Our product as a user runs it: the model packaged into a store of its own with the built CLI,
 * `lmr serve` on a free port, and OpenAI's streaming completions on Docker Model Runner's path.
 */
export async function startOurApi(modelPath: string, options: BenchOptions): Promise<Contender> {
  const modelsPath = await mkdtemp(path.join(tmpdir(), "lmr-bench-store-"));
  try {
    await execa(process.execPath, [LMR, "package", "--gguf", modelPath, "--context-size", String(options.contextSize), "--models-path", modelsPath, MODEL_NAME]);
    const server = await startServerProcess("lmr serve", process.execPath, [
      ...[LMR, "serve", "--port", "0", "--models-path", modelsPath, "--gpu", "none"],
      ...["--threads", String(options.threads), "--parallel", String(options.parallel)],
    ]);
    return {
      name: OUR_API,
      complete: (request) => streamCompletion(`${server.url}/engines/v1/completions`, MODEL_NAME, request),
      close: async () => {
        await server.stop();
        await rm(modelsPath, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(modelsPath, { recursive: true, force: true });
    throw error;
  }
}
