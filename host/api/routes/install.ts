import { z } from "zod";
import { INSTALL_GPUS, installLlamaCpp } from "../../engines/llamacpp/install";
import { buildLlamaCpp } from "../../engines/llamacpp/local-build";
import { installVllm } from "../../engines/vllm/install";
import { readBody } from "../body";
import { type Router, sendJson } from "../router";
import { streamProgress } from "../stream-progress";

export const InstallRequestSchema = z.object({
  backend: z.enum(["llama.cpp", "vllm"], { message: "must be llama.cpp or vllm" }),
  gpu: z.enum(INSTALL_GPUS, { message: `must be one of ${INSTALL_GPUS.join(", ")}` }).default("auto"),
  /** Install the binaries again even when they are there (reinstall-runner). */
  reinstall: z.boolean().default(false),
});
export type InstallRequest = z.input<typeof InstallRequestSchema>;

/** `install-runner --build`: only llama.cpp builds here; vLLM is a Python package. */
export const BuildRequestSchema = z.object({
  backend: z.literal("llama.cpp", { message: "only llama.cpp can be built here (vLLM installs with pip)" }).default("llama.cpp"),
});

/** `install-runner` / `reinstall-runner`: make sure an engine can run here and say what it runs on. */
export function installRoutes(router: Router, vllmExecutable: string | undefined): void {
  router.on("POST", "/engines/install", async ({ req, res }) => {
    const body = await readBody(req, InstallRequestSchema);
    sendJson(res, 200, body.backend === "llama.cpp" ? await installLlamaCpp(body) : await installVllm(body.gpu, vllmExecutable));
  });
  router.on("POST", "/engines/build", async ({ req, res, signal }) => {
    await readBody(req, BuildRequestSchema);
    await streamProgress(res, signal, async (onProgress) => {
      const built = await buildLlamaCpp({ onProgress, signal });
      onProgress({ type: "success", message: `Built llama.cpp ${built.release} for this CPU in ${built.seconds} s` });
    });
  });
}
