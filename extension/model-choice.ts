import * as vscode from "vscode";
import type { HostConnection } from "./client";
import { readSettings } from "./settings";

/** The chat model: the `lmr.chat.model` setting, else the first model of the store. */
export async function chatModel(host: HostConnection): Promise<string | undefined> {
  return readSettings().chat.model || (await host.request("models", {}))[0]?.name;
}

/** The completion model: `lmr.completion.model`, else the chat model (one FIM-capable coder model serves both). */
export async function completionModel(host: HostConnection): Promise<string | undefined> {
  return readSettings().completion.model || chatModel(host);
}

/** A quick pick of the store's models; undefined when the user dismisses it or the store is empty. */
export async function pickModel(host: HostConnection, placeHolder: string): Promise<string | undefined> {
  const models = await host.request("models", {});
  if (models.length === 0) {
    void vscode.window.showInformationMessage("Model Runner: no local models yet. Pull or package one first.", "Pull a Model").then((choice) => {
      if (choice) void vscode.commands.executeCommand("lmr.pull");
    });
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    models.map((model) => ({ label: model.name, description: [model.quantization, model.size, model.loaded ? "loaded" : ""].filter(Boolean).join(" · ") })),
    { placeHolder },
  );
  return picked?.label;
}
