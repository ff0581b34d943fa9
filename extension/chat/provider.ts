/**
 * The store's models in the editor's own chat model picker and `vscode.lm` (`contributes.languageModelChatProviders`
 * declares the vendor), answered by streaming from the host's OpenAI-compatible API.
 */
import * as vscode from "vscode";
import type { HostConnection } from "../client";
import { streamChat } from "../inference";
import { toChatMessages } from "./messages";

export const LM_VENDOR = "lmr";
/** What the host runs a model with when nothing is configured; the picker needs a number before a model loads. */
const DEFAULT_CONTEXT = 4096;

export class LocalModelsProvider implements vscode.LanguageModelChatProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly host: HostConnection,
    private readonly onAnswer: (tokensPerSecond: number | undefined) => void,
  ) {
    const refresh = () => this.changed.fire();
    this.subscriptions = [host.onStoreChanged(refresh), host.onReady(refresh)];
  }

  async provideLanguageModelChatInformation(): Promise<vscode.LanguageModelChatInformation[]> {
    if (!this.host.running) return [];
    const models = await this.host.request("models", {});
    return models.map((model) => ({
      id: model.name,
      name: model.name,
      family: model.architecture ?? "local",
      version: model.quantization ?? "",
      detail: "Model Runner",
      tooltip: [model.parameters && `${model.parameters} parameters`, model.quantization, model.size].filter(Boolean).join(" · "),
      maxInputTokens: model.contextWindow ?? DEFAULT_CONTEXT,
      maxOutputTokens: model.contextWindow ?? DEFAULT_CONTEXT,
      capabilities: {},
    }));
  }

  async provideLanguageModelChatResponse(
    model: vscode.LanguageModelChatInformation,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    _options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const controller = new AbortController();
    const cancelled = token.onCancellationRequested(() => controller.abort());
    try {
      const answer = await streamChat(await this.host.apiUrl(), model.id, toChatMessages(messages), controller.signal, (text) =>
        progress.report(new vscode.LanguageModelTextPart(text)),
      );
      this.onAnswer(answer.tokensPerSecond);
    } finally {
      cancelled.dispose();
    }
  }

  /** An estimate (four characters a token): the host has no tokenize route, and the editor only budgets with it. */
  async provideTokenCount(_model: vscode.LanguageModelChatInformation, text: string | vscode.LanguageModelChatRequestMessage): Promise<number> {
    const content = typeof text === "string" ? text : toChatMessages([text])[0]!.content;
    return Math.ceil(content.length / 4);
  }

  dispose(): void {
    this.changed.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
