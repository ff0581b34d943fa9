/**
 * The benchmark measures our runner on llama.cpp built for this machine (`lmr install-runner --build`), as
 * llama-server is built for it (scripts/llama-server/build.sh): the same source, the same kernels, the same
 * threading. Built here once, when missing.
 */
import { getLlama } from "node-llama-cpp";
import { buildLlamaCpp, localBuildCmakeOptions } from "../host/engines/llamacpp/local-build";

const BUILT_HERE = "built on this machine (lmr install-runner --build)";

/** Describes the llama.cpp that node-llama-cpp loads for the benchmark, building it first when missing. */
export async function ensureRunnerBuild(progress: (message: string) => void): Promise<string> {
  if (await hasLocalBuild()) return BUILT_HERE;
  try {
    await buildLlamaCpp({ onProgress: (line) => progress(line.message) });
    return BUILT_HERE;
  } catch (error) {
    return `node-llama-cpp's prebuilt binary: the build for this machine failed (${(error as Error).message.split("\n")[0]})`;
  }
}

async function hasLocalBuild(): Promise<boolean> {
  const llama = await getLlama({ gpu: false, cmakeOptions: await localBuildCmakeOptions(), build: "never", progressLogs: false });
  const local = llama.buildType === "localBuild";
  await llama.dispose();
  return local;
}
