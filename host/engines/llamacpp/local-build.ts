/**
 * `install-runner --build`: llama.cpp compiled on this machine, for its CPU, from the source node-llama-cpp
 * ships (`llama/gitRelease.bundle`), with node-llama-cpp's own documented source build.
 *
 * Why: node-llama-cpp's prebuilt CPU binaries are built without OpenMP, so ggml starts and joins its worker
 * threads for every decode, while llama-server keeps a pool of polling threads alive between tokens. On a
 * 2-core machine that is most of the gap in generation speed: llama-server itself, with its pool taken away,
 * makes 0.81-0.89× the tokens/s it makes with it. Built with OpenMP, one thread team lives on between decodes;
 * GGML_NATIVE compiles the kernels for the exact CPU. GPU backends keep node-llama-cpp's prebuilt packages.
 */
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { execa } from "execa";
import { ConflictError, EngineUnavailableError } from "../../errors";
import { log } from "../../log";
import type { ProgressListener } from "../../protocol/progress";
import { findOnPath } from "../find-on-path";
import { nodeLlamaCppModulesDir } from "./install";

/**
 * The options that make the build, and name its folder: node-llama-cpp keeps a build under a name derived from
 * its options, and `getLlama` given the same options loads it (and the prebuilt binary while there is none).
 */
export const LOCAL_BUILD_CMAKE_OPTIONS: Readonly<Record<string, string>> = { GGML_NATIVE: "ON", GGML_OPENMP: "ON" };

/** The environment variables node-llama-cpp's CLI reads custom cmake options from. */
const CMAKE_OPTION_ENV = Object.fromEntries(Object.entries(LOCAL_BUILD_CMAKE_OPTIONS).map(([key, value]) => [`NODE_LLAMA_CPP_CMAKE_OPTION_${key}`, value]));

/** What the build needs: node-llama-cpp clones its bundled source with git and compiles it with cmake. */
const TOOLS = [
  { command: "git", debian: "git" },
  { command: "cmake", debian: "cmake" },
  { command: "c++", debian: "g++" },
] as const;

export interface LocalBuild {
  release: string;
  seconds: number;
}

let running: Promise<LocalBuild> | undefined;

/**
 * True while a build writes its folder. node-llama-cpp makes a `getLlama` that asks for that folder wait until
 * the build is done, so a model loaded meanwhile takes the prebuilt binary instead.
 */
export function isBuildingLlamaCpp(): boolean {
  return running !== undefined;
}

export function buildLlamaCpp({ onProgress, signal }: { onProgress: ProgressListener; signal?: AbortSignal }): Promise<LocalBuild> {
  if (running)
    throw new ConflictError("llama.cpp is already being built for this machine", {
      code: "build_in_progress",
      fix: "Wait for the build that is running to finish (`lmr logs` follows it); runners started after it use it.",
    });
  running = build(onProgress, signal).finally(() => (running = undefined));
  return running;
}

async function build(onProgress: ProgressListener, signal: AbortSignal | undefined): Promise<LocalBuild> {
  const missing: string[] = [];
  for (const tool of TOOLS) if (!(await findOnPath(tool.command))) missing.push(tool.debian);
  if (missing.length > 0)
    throw new EngineUnavailableError(`building llama.cpp needs ${missing.join(", ")}, which ${missing.length === 1 ? "is" : "are"} not on PATH`, {
      code: "build_tools_missing",
      fix: `Install them (Debian and Ubuntu: sudo apt-get install ${TOOLS.map((tool) => tool.debian).join(" ")}), then run this again. Without a build, llama.cpp runs on node-llama-cpp's prebuilt binary.`,
    });
  const { getModuleVersion } = await import("node-llama-cpp");
  const cli = path.join(nodeLlamaCppModulesDir(), "node-llama-cpp", "dist", "cli", "cli.js");
  const started = performance.now();
  const say = (message: string) => {
    log.write("info", "llama.cpp", message);
    onProgress({ type: "progress", message });
  };
  say(`building llama.cpp from node-llama-cpp ${await getModuleVersion()}'s source for this CPU (${describeOptions()}); this takes a few minutes`);
  const child = execa(process.execPath, [cli, "source", "download", "--gpu", "false", "--noUsageExample"], {
    env: CMAKE_OPTION_ENV,
    all: true,
    stdin: "ignore",
    reject: false,
    cancelSignal: signal,
  });
  // The compiler's output goes to the log; the client sees a line per tenth of the compile steps.
  const tail: string[] = [];
  let reported = 0;
  let release = "";
  for await (const line of child.iterable({ from: "all" })) {
    const text = stripVTControlCharacters(line).trim();
    if (!text) continue;
    log.write("debug", "llama.cpp build", text);
    tail.push(text);
    if (tail.length > 12) tail.shift();
    const step = /^\[(\d+)\/(\d+)\]/.exec(text);
    if (step) {
      const tenth = Math.floor((10 * Number(step[1])) / Number(step[2]));
      if (tenth > reported) {
        reported = tenth;
        say(`compiling llama.cpp: ${tenth * 10}%`);
      }
    }
    release = /^Release:\s*(\S+)/.exec(text)?.[1] ?? release;
  }
  const result = await child;
  if (result.isCanceled) throw signal?.reason ?? new Error("the build was cancelled");
  if (result.exitCode !== 0)
    throw new EngineUnavailableError(`building llama.cpp failed (node-llama-cpp's build exited with ${result.exitCode ?? result.signal}):\n${tail.join("\n")}`, {
      code: "build_failed",
      fix: "Fix what the compiler says (`lmr logs` has its whole output), then run `lmr install-runner --build` again. Meanwhile llama.cpp runs on node-llama-cpp's prebuilt binary.",
    });
  const seconds = Math.round((performance.now() - started) / 1000);
  say(`built llama.cpp ${release} for this CPU in ${seconds} s; models loaded from now on run on it`);
  return { release, seconds };
}

function describeOptions(): string {
  return Object.entries(LOCAL_BUILD_CMAKE_OPTIONS)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
}
