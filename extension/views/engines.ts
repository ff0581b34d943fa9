import * as vscode from "vscode";
import type { EngineStatus, LoadedModel } from "../../host/protocol/control";
import { formatBytes } from "../../host/format-bytes";
import type { HostConnection } from "../client";
import { showError } from "../host-error";

const stateIcons: Record<EngineStatus["state"], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon("pass", new vscode.ThemeColor("testing.iconPassed")),
  "not-installed": new vscode.ThemeIcon("circle-slash"),
  error: new vscode.ThemeIcon("error", new vscode.ThemeColor("problemsErrorIcon.foreground")),
};

export class EngineItem extends vscode.TreeItem {
  constructor(
    readonly engine: EngineStatus,
    readonly loaded: LoadedModel[],
  ) {
    super(engine.name, loaded.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    // The tree keeps an item's expansion by id; a new id when models appear lets them show expanded.
    this.id = `engine:${engine.name}:${loaded.length > 0 ? "loaded" : "idle"}`;
    const gpu = engine.gpu;
    this.description = [
      engine.state === "running" ? engine.version : engine.state === "not-installed" ? "not installed" : "error",
      gpu && (gpu.backend === "cpu" ? "CPU" : gpu.backend),
      gpu?.freeMemory !== undefined && `${formatBytes(gpu.freeMemory)} free`,
    ]
      .filter(Boolean)
      .join(" · ");
    this.tooltip = engine.detail;
    this.iconPath = stateIcons[engine.state];
    // The engine's name lets menus offer what only one engine does (building llama.cpp).
    this.contextValue = `engine.${engine.state}.${engine.name}`;
  }
}

export class LoadedModelItem extends vscode.TreeItem {
  constructor(readonly loaded: LoadedModel) {
    super(loaded.model, vscode.TreeItemCollapsibleState.None);
    this.id = `loaded:${loaded.engine}:${loaded.model}`;
    this.description = loaded.loading
      ? "loading…"
      : [loaded.contextSize && `ctx ${loaded.contextSize}`, loaded.inUse > 0 && "busy", `keep-alive ${loaded.keepAlive}`].filter(Boolean).join(" · ");
    this.iconPath = new vscode.ThemeIcon(loaded.loading ? "loading~spin" : "vm-running");
    this.contextValue = "model.loaded";
  }
}

type Item = EngineItem | LoadedModelItem;

/** The engines with their state, version, GPU and free memory, and under each the models it holds. */
export class EnginesView implements vscode.TreeDataProvider<Item>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly host: HostConnection) {
    const refresh = () => this.changed.fire();
    this.subscriptions = [host.onEnginesChanged(refresh), host.onReady(refresh)];
  }

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: Item): Item {
    return item;
  }

  async getChildren(item?: Item): Promise<Item[]> {
    if (item instanceof EngineItem) return item.loaded.map((loaded) => new LoadedModelItem(loaded));
    if (item || !this.host.running) return [];
    try {
      const [status, loaded] = await Promise.all([this.host.hostStatus(true), this.host.request("ps", {})]);
      return status.engines.map((engine) => new EngineItem(engine, loaded.filter((model) => model.engine === engine.name)));
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
