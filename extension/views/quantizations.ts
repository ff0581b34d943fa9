import * as vscode from "vscode";
import type { Quantization, QuantizationList } from "../../host/protocol/control";
import { formatBytes } from "../../host/format-bytes";
import type { HostConnection } from "../client";
import { showError } from "../host-error";

export const QUANTIZATIONS_VIEW = "lmr.quantizations";

/** One quantization of the repository; Pull on it pulls `quantization.reference`. */
export class QuantizationItem extends vscode.TreeItem {
  constructor(
    readonly quantization: Quantization,
    listing: QuantizationList,
  ) {
    super(quantization.tag, vscode.TreeItemCollapsibleState.None);
    this.id = quantization.reference;
    const { memory } = quantization;
    this.description = [
      quantization.quantization,
      `${quantization.bitsPerWeight.toFixed(2)} bits/weight`,
      formatBytes(quantization.size),
      `${formatBytes(memory.total)} to run`,
      quantization.fits ? "fits" : "too big",
    ].join(" · ");
    this.iconPath = quantization.fits
      ? new vscode.ThemeIcon("pass", new vscode.ThemeColor("testing.iconPassed"))
      : new vscode.ThemeIcon("warning", new vscode.ThemeColor("problemsWarningIcon.foreground"));
    this.contextValue = "quantization";
    this.tooltip = new vscode.MarkdownString(
      [
        `**${quantization.reference}**`,
        `${quantization.quantization}, ${quantization.bitsPerWeight.toFixed(2)} bits per weight, ${quantization.parameters} parameters`,
        `Download: ${formatBytes(quantization.size)}`,
        `Memory at ${listing.contextSize} tokens of context: ${formatBytes(memory.total)} ` +
          `(weights ${formatBytes(memory.weights)}, KV cache ${formatBytes(memory.kvCache)}, compute ${formatBytes(memory.compute)})`,
        `${quantization.fits ? "Fits" : "Does not fit"} in the ${formatBytes(listing.free.bytes)} of ${listing.free.kind} free here`,
      ].join("\n\n"),
    );
  }
}

/**
 * Every quantization of one repository, chosen in Models or typed in, with what each costs to download and to run
 * at the configured context and whether that fits this machine. The host reads it all from the registry's GGUF
 * headers; nothing is downloaded until Pull.
 */
export class QuantizationsView implements vscode.TreeDataProvider<QuantizationItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<QuantizationItem>;
  private listing: QuantizationList | undefined;

  constructor(private readonly host: HostConnection) {
    this.view = vscode.window.createTreeView(QUANTIZATIONS_VIEW, { treeDataProvider: this, showCollapseAll: false });
  }

  /** Lists `reference`'s repository in the view and brings the view forward; undefined when the host could not. */
  async show(reference: string): Promise<QuantizationList | undefined> {
    await vscode.commands.executeCommand(`${QUANTIZATIONS_VIEW}.focus`);
    this.listing = undefined;
    this.view.message = `Reading the quantizations of ${reference}…`;
    this.changed.fire();
    try {
      this.listing = await vscode.window.withProgress({ location: { viewId: QUANTIZATIONS_VIEW } }, () => this.host.request("quants", { reference }));
    } catch (error) {
      this.view.message = `Could not list the quantizations of ${reference}.`;
      showError(error);
      return undefined;
    }
    const { free, contextSize, quantizations } = this.listing;
    this.view.message =
      quantizations.length === 0
        ? `${this.listing.reference} has no GGUF quantizations.`
        : `${this.listing.reference}: memory at ${contextSize} tokens of context; ${formatBytes(free.bytes)} ${free.kind} free here.`;
    this.changed.fire();
    return this.listing;
  }

  getTreeItem(item: QuantizationItem): QuantizationItem {
    return item;
  }

  getChildren(item?: QuantizationItem): QuantizationItem[] {
    const listing = this.listing;
    if (item || !listing) return [];
    return listing.quantizations.map((quantization) => new QuantizationItem(quantization, listing));
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
  }
}
