import { defineCommand } from "../command";
import { HostClient } from "../host-client";
import { BuildRequestSchema, InstallRequestSchema } from "../../api/routes/install";
import { showProgress } from "../progress-view";
import type { LlamaCppInstallation } from "../../engines/llamacpp/install";
import type { VllmInstallation } from "../../engines/vllm/install";
import { UserError } from "../../errors";

type Installation = LlamaCppInstallation | VllmInstallation;

function runnerCommand(name: "install-runner" | "reinstall-runner", reinstall: boolean) {
  return defineCommand({
    name,
    summary: reinstall
      ? "Install an engine's binaries again (llama.cpp: node-llama-cpp's prebuilt package for the GPU), and report what it runs on."
      : "Make sure an engine can run here: llama.cpp's prebuilt binary for the GPU (installed with npm when missing), or vLLM's executable; reports what is active.",
    usage: "[--backend llama.cpp|vllm] [--gpu auto|none|cuda|vulkan|metal] [--build]",
    options: { backend: { type: "string" }, gpu: { type: "string" }, build: { type: "boolean" }, json: { type: "boolean" } },
    help: {
      backend: "llama.cpp (default) or vllm",
      gpu: "auto (default: the best GPU found), none (CPU), cuda, vulkan or metal",
      build: "Build llama.cpp for this machine's CPU from the source node-llama-cpp ships (needs git, cmake and g++; a few minutes): faster generation on the CPU than the prebuilt binary",
      json: "Print the result as JSON",
    },
    async run({ values }) {
      if (values.build) return build(values.backend, values.gpu);
      const request = InstallRequestSchema.safeParse({ backend: values.backend ?? "llama.cpp", gpu: values.gpu, reinstall });
      if (!request.success) throw new UserError(`--${String(request.error.issues[0]!.path[0])}: ${request.error.issues[0]!.message}`, { fix: `Example: lmr ${name} --backend llama.cpp --gpu cuda` });
      const result = await new HostClient().json<Installation>("POST", "/engines/install", request.data);
      if (values.json) return void console.log(JSON.stringify(result, null, 2));
      if (result.backend === "vllm") {
        console.log(`vllm: running ${result.version} (${result.path})`);
        if (reinstall) console.log(`vLLM is a Python package: reinstall it where it was installed with \`pip install --force-reinstall vllm\`.`);
        return;
      }
      for (const spec of result.installed) console.log(`Installed ${spec} into ${result.modulesDir}`);
      for (const spec of result.present) console.log(`Already installed: ${spec}`);
      const gpu = result.gpu === "cpu" ? "none (CPU)" : `${result.gpu}${result.devices.length ? ` (${result.devices.join(", ")})` : ""}`;
      console.log(`llama.cpp: running ${result.version}, GPU: ${gpu}`);
    },
  });
}

async function build(backend: unknown, gpu: unknown): Promise<void> {
  if (gpu !== undefined && gpu !== "none" && gpu !== "auto")
    throw new UserError("--build builds llama.cpp for the CPU", { fix: `GPU backends run on node-llama-cpp's prebuilt packages: lmr install-runner --gpu ${String(gpu)}` });
  const request = BuildRequestSchema.safeParse({ backend: backend ?? "llama.cpp" });
  if (!request.success) throw new UserError(`--backend: ${request.error.issues[0]!.message}`, { fix: "Example: lmr install-runner --build" });
  await showProgress(await new HostClient().request("POST", "/engines/build", { body: request.data }));
}

export const installRunner = runnerCommand("install-runner", false);
export const reinstallRunner = runnerCommand("reinstall-runner", true);
