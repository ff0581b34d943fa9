import * as vscode from "vscode";
import { showError } from "../host-error";
import { configure } from "./configure";
import type { CommandContext } from "./context";
import * as hostCommands from "./host";
import { inspect } from "./inspect";
import { buildRunner, installRunner, reinstallRunner } from "./install-runner";
import { namedModel } from "./model-argument";
import * as modelCommands from "./models";
import { packageModel } from "./package";
import { pull } from "./pull";
import { showQuantizations } from "./quantizations";

type Handler = (context: CommandContext, ...args: unknown[]) => unknown;

/** Every command of the palette and the views (ids as in package.json's `contributes.commands`). */
const commands: Record<string, Handler> = {
  "lmr.pull": pull,
  "lmr.run": modelCommands.run,
  "lmr.chat": (context, model) => context.openChat(namedModel(model)),
  "lmr.configure": configure,
  "lmr.package": packageModel,
  "lmr.push": modelCommands.push,
  "lmr.tag": modelCommands.tag,
  "lmr.remove": modelCommands.remove,
  "lmr.inspect": inspect,
  "lmr.showQuantizations": showQuantizations,
  "lmr.status": hostCommands.status,
  "lmr.showLogs": hostCommands.showLogs,
  "lmr.unload": modelCommands.unload,
  "lmr.unloadAll": modelCommands.unloadAll,
  "lmr.installRunner": installRunner,
  "lmr.reinstallRunner": reinstallRunner,
  "lmr.buildRunner": buildRunner,
  "lmr.restartHost": hostCommands.restartHost,
  "lmr.setVllmApiKey": hostCommands.setVllmApiKey,
  "lmr.selectChatModel": hostCommands.selectChatModel,
  "lmr.selectCompletionModel": hostCommands.selectCompletionModel,
  "lmr.toggleCompletion": hostCommands.toggleCompletion,
  "lmr.quickActions": hostCommands.quickActions,
};

/** Registers them; a failure shows its message and fix instead of an unhandled rejection. */
export function registerCommands(context: CommandContext): vscode.Disposable[] {
  return Object.entries(commands).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(context, ...args);
      } catch (error) {
        showError(error);
        return undefined;
      }
    }),
  );
}
