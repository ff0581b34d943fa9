/**
 * `lmr.installRunner [backend, gpu]` and `lmr.reinstallRunner [backend, gpu]`: the host's `POST /engines/install`,
 * as `lmr install-runner` calls it. For llama.cpp the host installs node-llama-cpp's prebuilt binary for the GPU
 * when it is missing (or again, to reinstall); for vLLM it finds the executable or says what this machine lacks.
 */
import * as vscode from "vscode";
import { z } from "zod";
import type { InstallRequest } from "../../host/api/routes/install";
import { postJson } from "../host-api";
import { readSettings } from "../settings";
import { EngineItem } from "../views/engines";
import type { CommandContext } from "./context";

const BACKENDS = ["llama.cpp", "vllm"] as const;
type Backend = (typeof BACKENDS)[number];

const InstallationSchema = z.discriminatedUnion("backend", [
  z.object({
    backend: z.literal("llama.cpp"),
    gpu: z.string(),
    devices: z.array(z.string()),
    version: z.string(),
    installed: z.array(z.string()),
    present: z.array(z.string()),
  }),
  z.object({ backend: z.literal("vllm"), version: z.string(), path: z.string() }),
]);
export type Installation = z.infer<typeof InstallationSchema>;

export function installRunner(context: CommandContext, backend?: unknown, gpu?: unknown): Promise<Installation | undefined> {
  return install(context, false, backend, gpu);
}

export function reinstallRunner(context: CommandContext, backend?: unknown, gpu?: unknown): Promise<Installation | undefined> {
  return install(context, true, backend, gpu);
}

async function install(context: CommandContext, reinstall: boolean, argument: unknown, gpuArgument: unknown): Promise<Installation | undefined> {
  const backend = namedBackend(argument) ?? (await pickBackend(reinstall));
  if (!backend) return undefined;
  // The GPU the host was started for, unless a caller names one.
  const gpu = (typeof gpuArgument === "string" ? gpuArgument : readSettings().gpu) as InstallRequest["gpu"];
  const request: InstallRequest = { backend, gpu, reinstall };
  const url = `${await context.host.apiUrl()}/engines/install`;
  let installation: Installation;
  try {
    installation = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Model Runner: ${reinstall ? "reinstalling" : "checking"} the ${backend} runner` },
      async () => InstallationSchema.parse(await (await postJson(url, request)).json()),
    );
  } catch (error) {
    if (backend !== "vllm") throw error;
    offerVllmSettings(error);
    return undefined;
  }
  context.engines.refresh();
  report(installation);
  return installation;
}

function namedBackend(argument: unknown): Backend | undefined {
  if (argument instanceof EngineItem) return argument.engine.name;
  return BACKENDS.find((backend) => backend === argument);
}

async function pickBackend(reinstall: boolean): Promise<Backend | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: "llama.cpp", description: "GGUF models; its prebuilt binary for this machine's GPU", backend: "llama.cpp" as const },
      { label: "vLLM", description: "safetensors models on an NVIDIA GPU; a Python package", backend: "vllm" as const },
    ],
    { title: `Model Runner: ${reinstall ? "Reinstall" : "Install"} Runner` },
  );
  return picked?.backend;
}

function report(installation: Installation): void {
  if (installation.backend === "vllm") {
    void vscode.window.showInformationMessage(`Model Runner: vLLM ${installation.version} at ${installation.path} runs safetensors models.`);
    return;
  }
  const gpu = installation.gpu === "cpu" ? "the CPU" : `${installation.gpu}${installation.devices.length ? ` (${installation.devices.join(", ")})` : ""}`;
  const what = installation.installed.length > 0 ? `installed ${installation.installed.join(", ")}` : `${installation.present.join(", ")} is in place`;
  const message = `Model Runner: ${what}; llama.cpp ${installation.version} runs on ${gpu}.`;
  // A binary installed while the host runs is loaded by the next host.
  if (installation.installed.length === 0) return void vscode.window.showInformationMessage(message);
  void vscode.window.showInformationMessage(message, "Restart Host").then((choice) => {
    if (choice) void vscode.commands.executeCommand("lmr.restartHost");
  });
}

/**
 * `lmr.buildRunner`: llama.cpp built for this CPU through the host, as `lmr install-runner --build` does, under a
 * cancellable notification that follows the compile.
 */
export async function buildRunner(context: CommandContext): Promise<{ release: string; seconds: number }> {
  const built = await context.host.withProgress("Model Runner: building llama.cpp for this CPU", "build", {});
  context.engines.refresh();
  void vscode.window.showInformationMessage(`Model Runner: built llama.cpp ${built.release} for this CPU in ${built.seconds} s; models loaded from now on run on it.`);
  return built;
}

/** vLLM is the user's Python package or a server elsewhere; both are settings, offered next to what is missing. */
function offerVllmSettings(error: unknown): void {
  const settings = { "Set vLLM Executable": "lmr.vllm.executable", "Attach to a vLLM URL": "lmr.vllm.url" };
  void vscode.window
    .showErrorMessage(`Model Runner: ${error instanceof Error ? error.message : String(error)}`, ...Object.keys(settings))
    .then((choice) => {
      if (choice) void vscode.commands.executeCommand("workbench.action.openSettings", settings[choice as keyof typeof settings]);
    });
}
