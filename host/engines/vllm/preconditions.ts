import { access } from "node:fs/promises";
import { EngineUnavailableError } from "../../errors";
import { findOnPath, isExecutable } from "../find-on-path";

export interface VllmExecutable {
  path: string;
  /** Named by the user (setting, flag, LMR_VLLM_BIN) rather than found on PATH. */
  explicit: boolean;
}

export async function findVllm(configured: string | undefined): Promise<VllmExecutable | undefined> {
  if (configured) return { path: configured, explicit: true };
  const found = await findOnPath("vllm");
  return found ? { path: found, explicit: false } : undefined;
}

export async function hasNvidiaGpu(): Promise<boolean> {
  // Linux with the NVIDIA driver has its proc file; WSL2 exposes the Windows driver's libcuda instead.
  for (const file of ["/proc/driver/nvidia/version", "/usr/lib/wsl/lib/libcuda.so.1"]) {
    try {
      await access(file);
      return true;
    } catch {
      // Try the next sign of a driver.
    }
  }
  return false;
}

/** Why this machine cannot run vLLM's CUDA builds; empty when it can. */
export async function platformProblems(): Promise<string[]> {
  if (process.platform !== "linux") return [`vLLM runs on Linux (or WSL2), not ${process.platform}`];
  if (process.arch !== "x64") return [`vLLM runs on x86_64, not ${process.arch}`];
  if (!(await hasNvidiaGpu())) return ["no NVIDIA GPU found (no driver at /proc/driver/nvidia)"];
  return [];
}

/**
 * vLLM serves on Linux x86_64 with an NVIDIA GPU. A `vllm` the user named explicitly is trusted
 * as it is (a ROCm or CPU build, a wrapper script); one merely found on PATH must meet the rules.
 */
export async function checkCanLaunch(vllm: VllmExecutable | undefined): Promise<VllmExecutable> {
  const missing: string[] = [];
  if (!vllm) missing.push("no `vllm` executable on PATH");
  else if (vllm.explicit && !(await isExecutable(vllm.path))) missing.push(`${vllm.path} (from --vllm-bin or LMR_VLLM_BIN) is not an executable file`);
  if (!vllm?.explicit) missing.push(...(await platformProblems()));
  if (missing.length > 0 || !vllm)
    throw new EngineUnavailableError(`vLLM cannot run here: ${missing.join("; ")}`, {
      code: "vllm_unavailable",
      fix: "Install vLLM on a Linux machine with an NVIDIA GPU (`pip install vllm`, or `lmr install-runner --backend vllm`), set LMR_VLLM_BIN to its executable, or attach to a running vLLM with `lmr serve --vllm-url URL`. GGUF models run on llama.cpp everywhere.",
    });
  return vllm;
}
