import { createServer } from "node:net";
import { execa, type ResultPromise } from "execa";
import { EngineUnavailableError } from "../../errors";
import { log } from "../../log";
import type { ModelToLoad } from "../engine";
import type { VllmExecutable } from "./preconditions";

export interface LaunchedVllm {
  process: ResultPromise;
  baseUrl: URL;
}

/** How long a first start may take: vLLM compiles kernels and captures CUDA graphs. */
const READY_TIMEOUT_MS = Number(process.env.LMR_VLLM_READY_TIMEOUT_MS ?? 15 * 60_000);

export function vllmArguments(model: ModelToLoad, port: number): string[] {
  const args = ["serve", model.path, "--host", "127.0.0.1", "--port", String(port), "--served-model-name", model.name];
  const vllm = model.vllm ?? {};
  const maxModelLen = vllm.maxModelLen ?? model.contextSize;
  if (maxModelLen) args.push("--max-model-len", String(maxModelLen));
  if (vllm.gpuMemoryUtilization !== undefined) args.push("--gpu-memory-utilization", String(vllm.gpuMemoryUtilization));
  if (vllm.tensorParallelSize !== undefined) args.push("--tensor-parallel-size", String(vllm.tensorParallelSize));
  if (vllm.hfOverrides && Object.keys(vllm.hfOverrides).length > 0) args.push("--hf-overrides", JSON.stringify(vllm.hfOverrides));
  return args;
}

export async function launchVllm(vllm: VllmExecutable, model: ModelToLoad): Promise<LaunchedVllm> {
  const port = await freePort();
  const args = vllmArguments(model, port);
  log.write("info", "vllm", `starting ${vllm.path} ${args.join(" ")}`);
  const child = execa(vllm.path, args, { reject: false, buffer: false, stdin: "ignore", cleanup: true, forceKillAfterDelay: 10_000 });
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    stream?.setEncoding("utf8").on("data", (text: string) => {
      for (const line of text.split("\n").filter((l) => l.trim())) {
        log.write("info", "vllm", line);
        recent.push(line);
        if (recent.length > 20) recent.shift();
      }
    });
  const baseUrl = new URL(`http://127.0.0.1:${port}/v1`);
  const exited = child.then((result) => result);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const state = await Promise.race([exited.then(() => "exited" as const), healthy(baseUrl).then((ok) => (ok ? ("ready" as const) : ("waiting" as const)))]);
    if (state === "ready") return { process: child, baseUrl };
    if (state === "exited") {
      const result = await exited;
      throw new EngineUnavailableError(`vLLM exited while loading ${model.name} (${result.signal ?? `exit code ${result.exitCode}`})`, {
        fix: `Its last words:\n${recent.slice(-8).join("\n")}\nA model too large for the GPU is fixed with lmr configure --gpu-memory-utilization or --max-model-len.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill("SIGTERM");
  throw new EngineUnavailableError(`vLLM did not become ready within ${READY_TIMEOUT_MS / 1000} s`, { fix: "`lmr logs` shows how far it got." });
}

export async function healthy(baseUrl: URL, apiKey?: string): Promise<boolean> {
  try {
    const response = await fetch(new URL("/health", baseUrl), {
      signal: AbortSignal.timeout(2000),
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    });
    return response.ok;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
