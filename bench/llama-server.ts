import path from "node:path";
import { execa } from "execa";
import type { Contender } from "./contender";
import { streamCompletion } from "./measure";
import type { BenchOptions } from "./options";
import { startServerProcess } from "./server-process";

const BUILD_SCRIPT = path.resolve(import.meta.dirname, "../scripts/llama-server/build.sh");
/** node-llama-cpp evaluates a prompt in batches of this many tokens, each one ubatch. */
const BATCH_SIZE = 512;

const LOAD_TIMEOUT_MS = 120_000;

/**
 * The two ways llama-server is built (scripts/llama-server/build.sh): as node-llama-cpp's prebuilt addon is
 * (its CPU variant, no OpenMP, llama-server's own thread pool), and as our runner's llama.cpp is built here
 * (the same CPU variant, OpenMP). Neither is always the faster; the bar in each row is whichever is.
 */
export const LLAMA_SERVER_BUILDS = { prebuilt: "llama-server (prebuilt's build)", runner: "llama-server (runner's build)" } as const;
export type LlamaServerBuild = keyof typeof LLAMA_SERVER_BUILDS;

/**
 * Builds llama-server from the llama.cpp source node-llama-cpp ships, once per configuration. Resolves with
 * the binary, or with why it cannot be built here so the benchmark can go on without that column.
 */
export async function buildLlamaServer(build: LlamaServerBuild): Promise<{ binary: string } | { unavailable: string }> {
  // The build's progress goes to our stderr; its last line on stdout is the binary's path.
  const result = await execa(BUILD_SCRIPT, [build], { stderr: "inherit", reject: false });
  if (result.exitCode !== 0) return { unavailable: `scripts/llama-server/build.sh ${build} failed (exit code ${result.exitCode}); see its output above` };
  return { binary: result.stdout.trim().split("\n").at(-1)! };
}

/** llama.cpp's own server with the same threads, context, batch and sequences as our host's runner. */
export async function startLlamaServer(name: string, binary: string, modelPath: string, options: BenchOptions): Promise<Contender> {
  const threads = String(options.threads);
  const server = await startServerProcess(name, binary, [
    ...["--model", modelPath, "--host", "127.0.0.1", "--port", "0"],
    ...["--threads", threads, "--threads-batch", threads],
    // llama-server's context is shared by its slots; node-llama-cpp's contextSize is per sequence.
    ...["--ctx-size", String(options.contextSize * options.parallel), "--parallel", String(options.parallel)],
    ...["--batch-size", String(BATCH_SIZE), "--ubatch-size", String(BATCH_SIZE)],
    ...["--flash-attn", "auto", "--n-gpu-layers", "0"],
  ]);
  await waitUntilHealthy(server.url);
  return {
    name,
    complete: (request) => streamCompletion(`${server.url}/v1/completions`, "bench", request),
    close: () => server.stop(),
  };
}

/** llama-server listens before its model is loaded and answers 503 on /health until it is. */
async function waitUntilHealthy(url: string): Promise<void> {
  const deadline = Date.now() + LOAD_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/health`).catch(() => undefined);
    if (response?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`llama-server at ${url} did not load the model within ${LOAD_TIMEOUT_MS / 1000} s`);
}
