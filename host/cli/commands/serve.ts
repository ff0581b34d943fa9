import { z } from "zod";
import { defineCommand, integerFlag } from "../command";
import { startHost } from "../../host";
import { log } from "../../log";
import { UserError } from "../../errors";
import { parseByteSize } from "../../scheduler/byte-size";

const GpuSchema = z.enum(["auto", "cuda", "vulkan", "metal", "none"], { message: "--gpu takes auto, cuda, vulkan, metal or none" });

export const serve = defineCommand({
  name: "serve",
  summary: "Start the host: the OpenAI-compatible API with Docker Model Runner's paths, on loopback.",
  usage: "",
  options: {
    host: { type: "string" },
    port: { type: "string", short: "p" },
    "models-path": { type: "string" },
    "api-key": { type: "string" },
    threads: { type: "string" },
    parallel: { type: "string" },
    gpu: { type: "string" },
    "allowed-host": { type: "string", multiple: true },
    "allowed-origin": { type: "string", multiple: true },
    "vllm-url": { type: "string" },
    "vllm-api-key": { type: "string" },
    "vllm-bin": { type: "string" },
    "memory-budget": { type: "string" },
    "queue-limit": { type: "string" },
    "keep-alive": { type: "string" },
    stdio: { type: "boolean" },
  },
  help: {
    host: "Address to listen on (default 127.0.0.1; anything else exposes the API)",
    port: "Port (default 12434; 0 picks a free one)",
    "models-path": "Store root (default: LMR_MODELS_PATH, else the per-user data folder)",
    "api-key": "Require Authorization: Bearer KEY (default: LMR_API_KEY)",
    threads: "llama.cpp threads per model (default: physical cores)",
    parallel: "Requests each model serves at once (default 4)",
    gpu: "auto, cuda, vulkan, metal or none (default auto)",
    "allowed-host": "Another Host header name to accept (repeatable)",
    "allowed-origin": "A browser origin allowed to call the API (repeatable)",
    "vllm-url": "Attach to a running vLLM (or any OpenAI-compatible server) instead of launching one (LMR_VLLM_URL)",
    "vllm-api-key": "Bearer key for the attached server (LMR_VLLM_API_KEY)",
    "vllm-bin": "The vllm executable to launch (default: LMR_VLLM_BIN, else vllm on PATH)",
    "memory-budget": "Memory all loaded models may take, e.g. 16GiB (default: the machine's RAM; LMR_MEMORY_BUDGET)",
    "queue-limit": "Requests that may wait for a busy model before it answers 503 (default 32)",
    "keep-alive": 'How long idle models stay loaded unless configured otherwise: "5m" (default), "0", "-1" (LMR_KEEP_ALIVE)',
    stdio: "Also serve the editor's control channel on stdin/stdout",
  },
  async run({ values }) {
    const gpu = values.gpu === undefined ? undefined : GpuSchema.safeParse(values.gpu);
    if (gpu && !gpu.success) throw new UserError(gpu.error.issues[0]!.message, { fix: "Example: --gpu none" });
    const budget = (values["memory-budget"] as string | undefined) ?? process.env.LMR_MEMORY_BUDGET;
    const host = await startHost({
      queueLimit: integerFlag("queue-limit", values["queue-limit"]),
      keepAlive: (values["keep-alive"] as string | undefined) ?? process.env.LMR_KEEP_ALIVE,
      memoryBudget: budget === undefined ? undefined : parseByteSize(budget, "--memory-budget"),
      host: (values.host as string | undefined) ?? "127.0.0.1",
      port: integerFlag("port", values.port) ?? 12434,
      modelsPath: values["models-path"] as string | undefined,
      apiKey: (values["api-key"] as string | undefined) ?? process.env.LMR_API_KEY,
      allowedHosts: values["allowed-host"] as string[] | undefined,
      allowedOrigins: values["allowed-origin"] as string[] | undefined,
      vllm: {
        attachUrl: (values["vllm-url"] as string | undefined) ?? process.env.LMR_VLLM_URL,
        apiKey: (values["vllm-api-key"] as string | undefined) ?? process.env.LMR_VLLM_API_KEY,
        executable: values["vllm-bin"] as string | undefined,
      },
      llamaCpp: { threads: integerFlag("threads", values.threads, 1), parallel: integerFlag("parallel", values.parallel, 1), gpu: gpu?.data },
    });
    if (values.stdio) {
      const { attachControlChannel } = await import("../../control/channel");
      attachControlChannel(host);
    }
    log.write("info", "host", `listening on ${host.url.origin}`);
    await new Promise<void>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
    });
    log.write("info", "host", "stopping");
    await host.close();
  },
});
