import * as vscode from "vscode";
import type { HostConnection } from "./client";
import { chatModel } from "./model-choice";
import { readSettings } from "./settings";

/**
 * Two status bar items: the host's state with the chat model and the speed of its last answer (click: quick
 * actions), and the inline completion toggle.
 */
export class StatusBar implements vscode.Disposable {
  private readonly main = vscode.window.createStatusBarItem("lmr.status", vscode.StatusBarAlignment.Right, 100);
  private readonly completion = vscode.window.createStatusBarItem("lmr.completion", vscode.StatusBarAlignment.Right, 99);
  private tokensPerSecond: number | undefined;
  private state: "starting" | "running" | "stopped" = "starting";
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly host: HostConnection) {
    this.main.name = "Model Runner";
    this.main.command = "lmr.quickActions";
    this.completion.name = "Model Runner Completion";
    this.completion.command = "lmr.toggleCompletion";
    this.subscriptions = [
      host.onReady(() => this.setState("running")),
      host.onStoreChanged(() => void this.update()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration("lmr")) void this.update();
      }),
    ];
    void this.update();
    this.main.show();
    this.completion.show();
  }

  setState(state: "starting" | "running" | "stopped"): void {
    this.state = state;
    void this.update();
  }

  /** The speed of the last answer, from any of the chat surfaces. */
  setTokensPerSecond(tokensPerSecond: number | undefined): void {
    this.tokensPerSecond = tokensPerSecond;
    void this.update();
  }

  private async update(): Promise<void> {
    const model = this.state === "running" ? await chatModel(this.host).catch(() => undefined) : undefined;
    const icon = { starting: "$(loading~spin)", running: "$(server-process)", stopped: "$(debug-disconnect)" }[this.state];
    const speed = this.tokensPerSecond ? ` · ${this.tokensPerSecond.toFixed(1)} tok/s` : "";
    this.main.text = `${icon} ${model ?? (this.state === "running" ? "no model" : this.state)}${speed}`;
    const url = this.state === "running" ? await this.host.apiUrl().catch(() => undefined) : undefined;
    this.main.tooltip = `Model Runner: host ${this.state}${url ? ` at ${url}` : ""}${model ? `\nChat model: ${model}` : ""}\nClick for actions`;
    const enabled = readSettings().completion.enabled;
    this.completion.text = enabled ? "$(sparkle) FIM" : "$(circle-slash) FIM";
    this.completion.tooltip = `Model Runner inline completion is ${enabled ? "on" : "off"}; click to turn it ${enabled ? "off" : "on"}`;
  }

  dispose(): void {
    this.main.dispose();
    this.completion.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
