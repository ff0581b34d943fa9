/**
 * `install-runner --build`: llama.cpp compiled on this machine, for its CPU, from the source node-llama-cpp
 * ships (`llama/gitRelease.bundle`), with node-llama-cpp's own documented source build.
 *
 * Why: node-llama-cpp's prebuilt CPU binaries are built without OpenMP, so ggml starts and joins its worker
 * threads for every decode, while llama-server keeps a pool of polling threads alive between tokens. On a
 * 2-core machine that is most of the gap in generation speed: llama-server itself, with its pool taken away,
 * makes 0.81-0.89× the tokens/s it makes with it. Built with OpenMP, one thread team lives on between decodes;
 * the kernels are those of the CPU variant the prebuilt binary picks here (see cpu-variant.ts). GPU backends
 * keep node-llama-cpp's prebuilt packages.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { execa } from "execa";
import { ConflictError, EngineUnavailableError } from "../../errors";
import { log } from "../../log";
import type { ProgressListener } from "../../protocol/progress";
import { findOnPath } from "../find-on-path";
import { bestVariant, cpuFlags, parseVariantTable, X86_FEATURES, type CpuVariant } from "./cpu-variant";
import { nodeLlamaCppModulesDir } from "./install";

/** Where node-llama-cpp's `source download` puts the llama.cpp source it builds. */
function sourceDir(): string {
  return path.join(nodeLlamaCppModulesDir(), "node-llama-cpp", "llama", "llama.cpp");
}

interface LocalBuildConfig {
  /** Also the name of the build's folder: node-llama-cpp keeps a build under a name derived from its options. */
  cmakeOptions: Record<string, string>;
  description: string;
}

/**
 * The build for this machine. On x86 Linux: the flags of the CPU variant the prebuilt binary loads here, plus
 * OpenMP. Elsewhere, where there is no variant table to match, `-march=native` and OpenMP. Undefined until the
 * source has been fetched, when there can be no build yet.
 */
async function localBuildConfig(): Promise<LocalBuildConfig | undefined> {
  let cmakeLists: string;
  try {
    cmakeLists = await readFile(path.join(sourceDir(), "ggml", "src", "CMakeLists.txt"), "utf8");
  } catch {
    return undefined;
  }
  const flags = process.platform === "linux" && process.arch === "x64" ? await cpuFlags() : undefined;
  const variant = flags && bestVariant(parseVariantTable(cmakeLists), flags);
  return variant ? variantConfig(variant) : { cmakeOptions: { GGML_NATIVE: "ON", GGML_OPENMP: "ON" }, description: "-march=native, OpenMP" };
}

function variantConfig(variant: CpuVariant): LocalBuildConfig {
  return {
    cmakeOptions: {
      GGML_NATIVE: "OFF",
      GGML_OPENMP: "ON",
      GGML_BACKEND_DL: "ON",
      ...Object.fromEntries(X86_FEATURES.map((feature) => [`GGML_${feature}`, variant.features.includes(feature) ? "ON" : "OFF"])),
    },
    description: `ggml's ${variant.name} CPU variant${variant.features.length ? ` (${variant.features.join(" ")})` : ""}, OpenMP`,
  };
}

/**
 * The options `getLlama` asks for to load this machine's build, and the prebuilt binary while there is none;
 * undefined while a build writes its folder, since node-llama-cpp makes a `getLlama` asking for that folder wait
 * until the build is done.
 */
export async function localBuildCmakeOptions(): Promise<Record<string, string> | undefined> {
  return running ? undefined : (await localBuildConfig())?.cmakeOptions;
}

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
  const started = performance.now();
  const say = (message: string) => {
    log.write("info", "llama.cpp", message);
    onProgress({ type: "progress", message });
  };
  say(`fetching the llama.cpp source node-llama-cpp ${await getModuleVersion()} ships`);
  const fetched = await runCli(["source", "download", "--skipBuild", "--gpu", "false"], {}, signal);
  const config = await localBuildConfig();
  if (!config) throw new EngineUnavailableError(`node-llama-cpp's source download left no llama.cpp source in ${sourceDir()}:\n${fetched.tail.join("\n")}`, BUILD_FAILED);
  say(`compiling llama.cpp ${fetched.release} for this CPU (${config.description}); this takes a few minutes`);
  let reported = 0;
  const env = Object.fromEntries(Object.entries(config.cmakeOptions).map(([key, value]) => [`NODE_LLAMA_CPP_CMAKE_OPTION_${key}`, value]));
  await runCli(["source", "build", "--gpu", "false", "--noUsageExample"], env, signal, (line) => {
    const step = /^\[(\d+)\/(\d+)\]/.exec(line);
    const tenth = step ? Math.floor((10 * Number(step[1])) / Number(step[2])) : 0;
    if (tenth > reported) {
      reported = tenth;
      say(`compiling llama.cpp: ${tenth * 10}%`);
    }
  });
  const seconds = Math.round((performance.now() - started) / 1000);
  say(`built llama.cpp ${fetched.release} for this CPU in ${seconds} s; models loaded from now on run on it`);
  return { release: fetched.release, seconds };
}

const BUILD_FAILED = {
  code: "build_failed",
  fix: "Fix what the compiler says (`lmr logs` has its whole output), then run `lmr install-runner --build` again. Meanwhile llama.cpp runs on node-llama-cpp's prebuilt binary.",
};

/** Runs node-llama-cpp's CLI; its output goes to the log, each line also to `onLine`. */
async function runCli(args: string[], env: Record<string, string>, signal: AbortSignal | undefined, onLine?: (line: string) => void): Promise<{ release: string; tail: string[] }> {
  const cli = path.join(nodeLlamaCppModulesDir(), "node-llama-cpp", "dist", "cli", "cli.js");
  const child = execa(process.execPath, [cli, ...args], { env, all: true, stdin: "ignore", reject: false, cancelSignal: signal });
  const tail: string[] = [];
  let release = "";
  for await (const line of child.iterable({ from: "all" })) {
    const text = stripVTControlCharacters(line).trim();
    if (!text) continue;
    log.write("debug", "llama.cpp build", text);
    tail.push(text);
    if (tail.length > 12) tail.shift();
    release = /^Release:\s*(\S+)/.exec(text)?.[1] ?? release;
    onLine?.(text);
  }
  const result = await child;
  if (result.isCanceled) throw signal?.reason ?? new Error("the build was cancelled");
  if (result.exitCode !== 0)
    throw new EngineUnavailableError(`building llama.cpp failed (node-llama-cpp's \`${args.slice(0, 2).join(" ")}\` exited with ${result.exitCode ?? result.signal}):\n${tail.join("\n")}`, BUILD_FAILED);
  return { release, tail };
}
