import { z } from "zod";
import { INSTALL_GPUS, installLlamaCpp } from "../../engines/llamacpp/install";
import { installVllm } from "../../engines/vllm/install";
import { readBody } from "../body";
import { type Router, sendJson } from "../router";

export const InstallRequestSchema = z.object({
  backend: z.enum(["llama.cpp", "vllm"], { message: "must be llama.cpp or vllm" }),
  gpu: z.enum(INSTALL_GPUS, { message: `must be one of ${INSTALL_GPUS.join(", ")}` }).default("auto"),
  /** Install the binaries again even when they are there (reinstall-runner). */
  reinstall: z.boolean().default(false),
});
export type InstallRequest = z.input<typeof InstallRequestSchema>;

/** `install-runner` / `reinstall-runner`: make sure an engine can run here and say what it runs on. */
export function installRoutes(router: Router, vllmExecutable: string | undefined): void {
  router.on("POST", "/engines/install", async ({ req, res }) => {
    const body = await readBody(req, InstallRequestSchema);
    sendJson(res, 200, body.backend === "llama.cpp" ? await installLlamaCpp(body) : await installVllm(body.gpu, vllmExecutable));
  });
}
