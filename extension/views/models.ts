import * as vscode from "vscode";
import type { LocalModel } from "../../host/protocol/control";
import type { HostConnection } from "../client";
import { showError } from "../host-error";

/** A row of the Models view; commands on it receive it as their argument. */
export class ModelItem extends vscode.TreeItem {
  constructor(readonly model: LocalModel) {
    super(model.name, vscode.TreeItemCollapsibleState.None);
    this.id = model.name;
    this.description = [model.quantization, model.size, model.engine].filter(Boolean).join(" · ");
    this.iconPath = new vscode.ThemeIcon(model.loaded ? "vm-running" : "package");
    this.contextValue = model.loaded ? "model.loaded" : "model";
    this.tooltip = new vscode.MarkdownString(
      [
        `**${model.name}**`,
        `${model.loaded ? "Loaded" : "Not loaded"} · ${model.engine}`,
        model.architecture && `Architecture: ${model.architecture}`,
        model.parameters && `Parameters: ${model.parameters}`,
        model.quantization && `Quantization: ${model.quantization}`,
        model.size && `Size: ${model.size}`,
        model.contextWindow && `Context: ${model.contextWindow} tokens`,
      ]
        .filter(Boolean)
        .join("\n\n"),
    );
  }
}

/** The store's models, one row per name, as `lmr ls` lists them. Empty, the view shows its welcome. */
export class ModelsView implements vscode.TreeDataProvider<ModelItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly host: HostConnection) {
    const refresh = () => this.changed.fire();
    this.subscriptions = [host.onStoreChanged(refresh), host.onEnginesChanged(refresh), host.onReady(refresh)];
  }

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: ModelItem): ModelItem {
    return item;
  }

  async getChildren(item?: ModelItem): Promise<ModelItem[]> {
    if (item || !this.host.running) return [];
    try {
      return (await this.host.request("models", {})).map((model) => new ModelItem(model));
    } catch (error) {
      showError(error);
      return [];
    }
  }

  dispose(): void {
    this.changed.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
