/** The commands on one model: run, push, tag, remove, unload. */
import * as vscode from "vscode";
import type { CommandContext } from "./context";
import { fromCaller, modelName, namedModel } from "./model-argument";
import { referenceProblem } from "./pull";

/** `lmr.run [model]`: loads the model (as `lmr run --detach`) and opens the chat panel on it. */
export async function run({ host, openChat }: CommandContext, argument?: unknown): Promise<unknown> {
  const model = await modelName(argument, host, "Run which model?");
  if (!model) return undefined;
  const loaded = await host.withProgress(`Loading ${model}`, "load", { model });
  openChat(loaded.model);
  return loaded;
}

/** `lmr.push [model]`: to the registry its name points at; tag it for one first. */
export async function push({ host }: CommandContext, argument?: unknown): Promise<unknown> {
  const model = await modelName(argument, host, "Push which model?");
  if (!model) return undefined;
  const pushed = await host.withProgress(`Pushing ${model}`, "push", { model });
  void vscode.window.showInformationMessage(`Model Runner: pushed ${pushed.reference}.`);
  return pushed;
}

/** `lmr.tag [model, target]` */
export async function tag({ host }: CommandContext, argument?: unknown, target?: unknown): Promise<string | undefined> {
  const source = await modelName(argument, host, "Tag which model?");
  if (!source) return undefined;
  const name =
    typeof target === "string" && target
      ? target
      : await vscode.window.showInputBox({
          title: `Model Runner: Tag ${source}`,
          prompt: "The new name; a registry in it is where Push sends the model",
          placeHolder: "me/my-model:v2 or registry.example.com/team/model:latest",
          ignoreFocusOut: true,
          validateInput: referenceProblem,
        });
  if (!name) return undefined;
  return (await host.request("tag", { source, target: name })).target;
}

/** `lmr.remove [model]`: asks first, unless a caller names the model. A loaded model is unloaded first. */
export async function remove({ host }: CommandContext, argument?: unknown): Promise<unknown> {
  const model = await modelName(argument, host, "Remove which model?");
  if (!model) return undefined;
  if (!fromCaller(argument)) {
    const answer = await vscode.window.showWarningMessage(
      `Remove ${model}? Its files go when no other name uses them.`,
      { modal: true },
      "Remove",
    );
    if (answer !== "Remove") return undefined;
  }
  return host.request("remove", { model, force: true });
}

/** `lmr.unload [model]` */
export async function unload({ host }: CommandContext, argument?: unknown): Promise<unknown> {
  const model =
    namedModel(argument) ??
    (await vscode.window.showQuickPick(
      (await host.request("ps", {})).map((entry) => entry.model),
      { placeHolder: "Unload which model?" },
    ));
  if (!model) return undefined;
  return host.request("unload", { models: [model] });
}

/** `lmr.unloadAll` */
export async function unloadAll({ host }: CommandContext): Promise<unknown> {
  const result = await host.request("unload", {});
  void vscode.window.showInformationMessage(`Model Runner: unloaded ${result.unloaded} model${result.unloaded === 1 ? "" : "s"}.`);
  return result;
}
