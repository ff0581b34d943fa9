/** Commands about the host and the choices the editor makes: status, logs, runners, keys, models for chat and completion. */
import * as vscode from "vscode";
import { VLLM_API_KEY_SECRET } from "../client";
import { pickModel } from "../model-choice";
import { readSettings, updateSetting } from "../settings";
import type { CommandContext } from "./context";

/** `lmr.status`: the host's address and each engine's state, as `lmr status` prints them. */
export async function status({ host, output }: CommandContext): Promise<unknown> {
  const current = await host.hostStatus(true);
  const engines = current.engines.map((engine) => {
    const state = engine.state === "running" ? `running ${engine.version ?? ""}`.trim() : engine.state === "not-installed" ? "not installed" : `error: ${engine.detail}`;
    const gpu = engine.gpu ? `, ${engine.gpu.backend === "cpu" ? "CPU" : engine.gpu.backend}` : "";
    return `${engine.name}: ${state}${gpu}`;
  });
  const answer = await vscode.window.showInformationMessage(
    `Model Runner ${current.version} at ${current.url}. ${engines.join("; ")}. Models in ${current.modelsPath}.`,
    "Show Logs",
  );
  if (answer) output.show();
  return current;
}

export function showLogs({ output }: CommandContext): void {
  output.show();
}

/** `lmr.restartHost`: also how settings the host reads at start take effect. */
export async function restartHost({ host, statusBar }: CommandContext): Promise<void> {
  statusBar.setState("starting");
  await host.restart();
}

/** `lmr.setVllmApiKey`: kept in SecretStorage, handed to the host in its environment, never in settings. */
export async function setVllmApiKey(context: CommandContext): Promise<void> {
  const key = await vscode.window.showInputBox({ title: "Model Runner: vLLM API Key", prompt: "Empty removes it", password: true, ignoreFocusOut: true });
  if (key === undefined) return;
  if (key) await context.extension.secrets.store(VLLM_API_KEY_SECRET, key);
  else await context.extension.secrets.delete(VLLM_API_KEY_SECRET);
  await restartHost(context);
}

/** `lmr.selectChatModel [model]` */
export async function selectChatModel({ host }: CommandContext, model?: unknown): Promise<string | undefined> {
  const name = typeof model === "string" && model ? model : await pickModel(host, "Chat with which model?");
  if (name) await updateSetting("chat.model", name);
  return name;
}

/** `lmr.selectCompletionModel [model]`: a model with fill-in-the-middle tokens (a coder model). */
export async function selectCompletionModel({ host }: CommandContext, model?: unknown): Promise<string | undefined> {
  const name = typeof model === "string" && model ? model : await pickModel(host, "Complete code with which model? (a fill-in-the-middle model)");
  if (name) await updateSetting("completion.model", name);
  return name;
}

export async function toggleCompletion(): Promise<boolean> {
  const enabled = !readSettings().completion.enabled;
  await updateSetting("completion.enabled", enabled);
  return enabled;
}

/** The status bar's menu. */
export async function quickActions(): Promise<void> {
  const actions = [
    { label: "$(comment-discussion) Open Chat", command: "lmr.chat" },
    { label: "$(symbol-class) Select Chat Model", command: "lmr.selectChatModel" },
    { label: "$(sparkle) Select Completion Model", command: "lmr.selectCompletionModel" },
    { label: `$(${readSettings().completion.enabled ? "circle-slash" : "check"}) Turn Inline Completion ${readSettings().completion.enabled ? "Off" : "On"}`, command: "lmr.toggleCompletion" },
    { label: "$(cloud-download) Pull a Model", command: "lmr.pull" },
    { label: "$(info) Status", command: "lmr.status" },
    { label: "$(output) Show Logs", command: "lmr.showLogs" },
    { label: "$(debug-restart) Restart Host", command: "lmr.restartHost" },
  ];
  const picked = await vscode.window.showQuickPick(actions, { placeHolder: "Model Runner" });
  if (picked) await vscode.commands.executeCommand(picked.command);
}
