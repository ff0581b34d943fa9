/**
 * Model Runner in the editor. Thin on purpose: the host (`dist/lmr.mjs serve --stdio`) holds every piece of model
 * logic; this wires its control channel and HTTP API to views, commands, chat and inline completion.
 */
import * as vscode from "vscode";
import { ChatPanel } from "./chat/panel";
import { registerParticipant } from "./chat/participant";
import { LM_VENDOR, LocalModelsProvider } from "./chat/provider";
import { HostConnection } from "./client";
import { registerCommands } from "./commands";
import { InspectDocuments } from "./commands/inspect";
import { InfillCompletionProvider } from "./completion/inline";
import { showError } from "./host-error";
import { createLogChannel } from "./logs";
import { hostSettingKeys } from "./settings";
import { StatusBar } from "./status-bar";
import { EnginesView } from "./views/engines";
import { ModelsView } from "./views/models";
import { QuantizationsView } from "./views/quantizations";

/** What `activate` returns, for other extensions and the integration tests. */
export interface ModelRunnerApi {
  host: HostConnection;
  models: ModelsView;
  engines: EnginesView;
  quantizations: QuantizationsView;
  /** The open chat panel (`lmr.chat` opens it). */
  chatPanel(): ChatPanel | undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<ModelRunnerApi> {
  const output = createLogChannel();
  const host = new HostConnection(context, output);
  const statusBar = new StatusBar(host);
  const onAnswer = (tokensPerSecond: number | undefined) => statusBar.setTokensPerSecond(tokensPerSecond);
  const openChat = (model?: string) => void ChatPanel.show(context, host, onAnswer, model);
  const models = new ModelsView(host);
  const engines = new EnginesView(host);
  const quantizations = new QuantizationsView(host);
  const completion = new InfillCompletionProvider(host);
  const chatModels = new LocalModelsProvider(host, onAnswer);

  context.subscriptions.push(
    output,
    host,
    statusBar,
    models,
    engines,
    quantizations,
    completion,
    chatModels,
    vscode.window.registerTreeDataProvider("lmr.models", models),
    vscode.window.registerTreeDataProvider("lmr.engines", engines),
    InspectDocuments.register(host),
    ...registerCommands({ extension: context, host, output, statusBar, engines, quantizations, openChat }),
    vscode.lm.registerLanguageModelChatProvider(LM_VENDOR, chatModels),
    registerParticipant(host, onAnswer),
    vscode.languages.registerInlineCompletionItemProvider({ pattern: "**" }, completion),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (hostSettingKeys.some((key) => event.affectsConfiguration(key))) void vscode.commands.executeCommand("lmr.restartHost");
    }),
  );

  try {
    await host.start();
  } catch (error) {
    statusBar.setState("stopped");
    showError(error);
  }
  return { host, models, engines, quantizations, chatPanel: () => ChatPanel.open };
}
