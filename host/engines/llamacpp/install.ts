/**
 * `install-runner --backend llama.cpp`. node-llama-cpp loads llama.cpp from prebuilt binary packages,
 * `@node-llama-cpp/<platform>-<arch>[-<gpu>]`, which are optional dependencies: npm skips those whose
 * platform does not match and any whose download failed, and a folder copied from another machine
 * lacks the ones this one needs. This makes sure the package for the requested GPU is in the host's
 * own node_modules at node-llama-cpp's exact version, installs it with npm when it is not, and
 * reports what llama.cpp then runs on.
 */
import { readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { z } from "zod";
import { EngineUnavailableError, UserError } from "../../errors";
import { log } from "../../log";

export const INSTALL_GPUS = ["auto", "none", "cuda", "vulkan", "metal"] as const;
export type InstallGpu = (typeof INSTALL_GPUS)[number];
type Backend = "cuda" | "vulkan" | "metal" | "cpu";

export interface LlamaCppInstallation {
  backend: "llama.cpp";
  /** What llama.cpp runs on now: a GPU backend, or "cpu". */
  gpu: Backend;
  devices: string[];
  /** llama.cpp's release, e.g. `b6862`. */
  version: string;
  /** Packages this call installed, and those that were there already. */
  installed: string[];
  present: string[];
  /** The node_modules folder node-llama-cpp loads them from. */
  modulesDir: string;
}

/** node-llama-cpp's prebuilt packages, as its loader picks them (bindings/utils/compileLLamaCpp.js). */
const PREBUILT: Partial<Record<string, Partial<Record<Backend, string>>>> = {
  "linux-x64": { cuda: "linux-x64-cuda", vulkan: "linux-x64-vulkan", cpu: "linux-x64" },
  "linux-arm64": { cpu: "linux-arm64" },
  "linux-arm": { cpu: "linux-armv7l" },
  "linux-riscv64": { cpu: "linux-riscv64" },
  "darwin-arm64": { metal: "mac-arm64-metal" },
  "darwin-x64": { cpu: "mac-x64" },
  "win32-x64": { cuda: "win-x64-cuda", vulkan: "win-x64-vulkan", cpu: "win-x64" },
  "win32-arm64": { cpu: "win-arm64" },
};

const LABEL: Record<Backend, string> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal", cpu: "CPU" };

const DRIVER_FIX: Record<Exclude<Backend, "cpu">, string> = {
  cuda: "Install the NVIDIA driver and the CUDA runtime (libcudart, libcublas; https://developer.nvidia.com/cuda-downloads), then run this again; or choose --gpu vulkan or --gpu none.",
  vulkan: "Install the GPU's Vulkan driver and the Vulkan loader (libvulkan1 on Debian and Ubuntu), then run this again; or choose --gpu none.",
  metal: "Metal is built into macOS on Apple silicon; nothing to install there.",
};

const PackageJsonSchema = z.object({ version: z.string() });

/** One install at a time: two npm runs in one folder undo each other. */
let queue: Promise<unknown> = Promise.resolve();

export function installLlamaCpp(request: { gpu: InstallGpu; reinstall?: boolean }, modulesDir = nodeLlamaCppModulesDir()): Promise<LlamaCppInstallation> {
  const run = queue.then(() => install(request, modulesDir));
  queue = run.catch(() => undefined);
  return run;
}

async function install({ gpu, reinstall = false }: { gpu: InstallGpu; reinstall?: boolean }, modulesDir: string): Promise<LlamaCppInstallation> {
  const { getLlama, getModuleVersion } = await import("node-llama-cpp");
  const backend = await chooseBackend(gpu);
  const version = await getModuleVersion();
  const name = prebuiltPackage(backend);
  const spec = `@node-llama-cpp/${name}@${version}`;
  const present = !reinstall && (await installedVersion(modulesDir, name)) === version;
  if (!present) await npmInstall(modulesDir, name, spec);

  let llama;
  try {
    llama = await getLlama({ gpu: backend === "cpu" ? false : backend, build: "never", progressLogs: false });
  } catch (error) {
    throw new EngineUnavailableError(`llama.cpp's ${LABEL[backend]} binary from ${spec} does not load here: ${(error as Error).message}`, {
      code: "llama_binary_broken",
      fix: backend === "cpu" ? `Reinstall it: lmr reinstall-runner --backend llama.cpp --gpu none` : `${DRIVER_FIX[backend]} To reinstall the package: lmr reinstall-runner --backend llama.cpp --gpu ${backend}`,
    });
  }
  return {
    backend: "llama.cpp",
    gpu: llama.gpu || "cpu",
    devices: llama.gpu ? await llama.getGpuDeviceNames() : [],
    version: llama.llamaCppRelease.release,
    installed: present ? [] : [spec],
    present: present ? [spec] : [],
    modulesDir,
  };
}

/** The backend to make sure of: the one asked for, once its driver is found, or for auto the best one here. */
async function chooseBackend(gpu: InstallGpu): Promise<Backend> {
  if (gpu === "none") return "cpu";
  const { getLlamaGpuTypes } = await import("node-llama-cpp");
  const supported = (await getLlamaGpuTypes("supported")).map((type) => type || "cpu");
  if (gpu === "auto") return supported.find((backend) => PREBUILT[platformKey()]?.[backend]) ?? "cpu";
  const valid = (await getLlamaGpuTypes("allValid")).map((type) => type || "cpu");
  if (!valid.includes(gpu))
    throw new UserError(`llama.cpp has no ${LABEL[gpu]} backend on ${platformKey()}`, { fix: `Choose one of: ${valid.join(", ").replace("cpu", "none")}, or auto.` });
  if (!supported.includes(gpu))
    throw new EngineUnavailableError(`the ${LABEL[gpu]} driver is missing: node-llama-cpp finds no ${gpu === "cuda" ? "NVIDIA driver with the CUDA runtime" : `${LABEL[gpu]} driver`} on this machine`, {
      code: "gpu_driver_missing",
      fix: DRIVER_FIX[gpu],
    });
  return gpu;
}

function platformKey(): string {
  return `${process.platform}-${process.arch}`;
}

function prebuiltPackage(backend: Backend): string {
  const name = PREBUILT[platformKey()]?.[backend];
  if (!name)
    throw new EngineUnavailableError(`node-llama-cpp has no prebuilt ${LABEL[backend]} binary for ${platformKey()}`, {
      code: "no_prebuilt_binary",
      fix: `Build llama.cpp from source for it: npx --no node-llama-cpp source download --gpu ${backend === "cpu" ? "false" : backend} (needs cmake and a C++ compiler), or choose another --gpu.`,
    });
  return name;
}

async function installedVersion(modulesDir: string, name: string): Promise<string | undefined> {
  try {
    return PackageJsonSchema.parse(JSON.parse(await readFile(path.join(modulesDir, "@node-llama-cpp", name, "package.json"), "utf8"))).version;
  } catch {
    return undefined;
  }
}

/**
 * Installs `spec` next to node-llama-cpp. A package already there (a reinstall, another version)
 * is moved aside first and put back if npm fails, so a failed download leaves the host as it was.
 */
async function npmInstall(modulesDir: string, name: string, spec: string): Promise<void> {
  const root = path.dirname(modulesDir);
  const target = path.join(modulesDir, "@node-llama-cpp", name);
  const aside = `${target}.previous`;
  await rm(aside, { recursive: true, force: true });
  const movedAside = await rename(target, aside).then(
    () => true,
    () => false,
  );
  log.write("info", "llama.cpp", `installing ${spec} into ${modulesDir}`);
  const result = await execa("npm", ["install", "--no-save", "--no-audit", "--no-fund", spec], { cwd: root, all: true, reject: false, stdin: "ignore" });
  if (result.exitCode === 0 && (await installedVersion(modulesDir, name))) {
    await rm(aside, { recursive: true, force: true });
    log.write("info", "llama.cpp", `installed ${spec}`);
    return;
  }
  if (movedAside) {
    await rm(target, { recursive: true, force: true });
    await rename(aside, target);
  }
  throw npmFailure(spec, root, result.code === "ENOENT" ? undefined : (result.all ?? ""));
}

function npmFailure(spec: string, root: string, output: string | undefined): EngineUnavailableError {
  const manual = `npm install --no-save ${spec} (in ${root})`;
  if (output === undefined)
    return new EngineUnavailableError(`npm is not on PATH, so ${spec} cannot be installed`, { code: "npm_missing", fix: `Install Node.js with npm, then run: ${manual}` });
  if (/E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)|network|socket hang up/i.test(output))
    return new EngineUnavailableError(`no network: npm cannot reach its registry to download ${spec}`, {
      code: "no_network",
      fix: `Connect this machine to the network (or set npm's proxy or registry in .npmrc) and run this again, or copy the package from a connected machine: ${manual}`,
    });
  const tail = output.trim().split("\n").slice(-6).join("\n");
  return new EngineUnavailableError(`npm could not install ${spec}:\n${tail}`, { code: "npm_failed", fix: `Fix what npm says, then run this again, or run it yourself: ${manual}` });
}

/** The node_modules folder node-llama-cpp resolves from; its binary packages must sit beside it. */
export function nodeLlamaCppModulesDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.resolve("node-llama-cpp")));
  while (path.basename(dir) !== "node-llama-cpp" || path.basename(path.dirname(dir)) !== "node_modules") {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("node-llama-cpp is not inside a node_modules folder");
    dir = parent;
  }
  return path.dirname(dir);
}
