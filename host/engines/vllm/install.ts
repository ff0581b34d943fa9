/**
 * `install-runner --backend vllm`. vLLM is a Python package of CUDA wheels, several gigabytes that
 * pip installs into a Python environment the user owns; we do not fetch it behind their back. This
 * finds it (the configured executable, LMR_VLLM_BIN, PATH) and reports its version, or says exactly
 * what this machine lacks and the command that sets vLLM up where it can run.
 */
import { execa } from "execa";
import { EngineUnavailableError, UserError } from "../../errors";
import type { InstallGpu } from "../llamacpp/install";
import { findOnPath } from "../find-on-path";
import { checkCanLaunch, findVllm, platformProblems, type VllmExecutable } from "./preconditions";

export interface VllmInstallation {
  backend: "vllm";
  version: string;
  path: string;
}

export async function vllmVersion(vllm: VllmExecutable): Promise<string> {
  try {
    const { stdout } = await execa(vllm.path, ["--version"], { timeout: 60_000 });
    return stdout.trim().split("\n").pop() ?? "";
  } catch (error) {
    throw new EngineUnavailableError(`${vllm.path} --version failed: ${(error as Error).message}`, {
      code: "vllm_broken",
      fix: "Reinstall vLLM (`pip install --force-reinstall vllm` in its environment), or point LMR_VLLM_BIN at a working vllm.",
    });
  }
}

/** The vLLM that launches would use, with its version; throws what is missing and how to get it. */
export async function installVllm(gpu: InstallGpu, configured = process.env.LMR_VLLM_BIN): Promise<VllmInstallation> {
  if (gpu !== "auto" && gpu !== "cuda")
    throw new UserError(`vLLM runs on NVIDIA GPUs through CUDA, not ${gpu === "none" ? "on the CPU alone" : gpu}`, {
      fix: `Use --gpu cuda (or auto); for ${gpu === "none" ? "the CPU" : gpu}, run GGUF models on llama.cpp: lmr install-runner --backend llama.cpp --gpu ${gpu}`,
    });
  const vllm = await findVllm(configured);
  if (vllm) {
    await checkCanLaunch(vllm);
    return { backend: "vllm", path: vllm.path, version: await vllmVersion(vllm) };
  }
  const problems = [...(await platformProblems()), ...(await pythonProblems())];
  if (problems.length > 0)
    throw new EngineUnavailableError(`vLLM cannot be set up here: ${problems.join("; ")}`, {
      code: "vllm_unavailable",
      fix:
        "vLLM needs Linux on x86_64 with an NVIDIA GPU and its driver, and Python 3 with pip; on such a machine run `pip install vllm`, then `lmr install-runner --backend vllm` again. " +
        "From here, use a vLLM that runs elsewhere: lmr serve --vllm-url http://gpu-box:8000. GGUF models run here on llama.cpp.",
    });
  throw new EngineUnavailableError("vLLM is not installed; this machine can run it", {
    code: "vllm_not_installed",
    fix: "Install it with pip, in an environment of its own: python3 -m venv ~/.vllm && ~/.vllm/bin/pip install vllm. Then set LMR_VLLM_BIN=~/.vllm/bin/vllm (or put vllm on PATH), restart lmr serve, and run this again.",
  });
}

async function pythonProblems(): Promise<string[]> {
  const python = await findOnPath("python3");
  if (!python) return ["no python3 on PATH"];
  const pip = await execa(python, ["-m", "pip", "--version"], { reject: false, timeout: 30_000 });
  return pip.exitCode === 0 ? [] : [`${python} has no pip (python3 -m pip fails)`];
}
