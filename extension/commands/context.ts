import type * as vscode from "vscode";
import type { HostConnection } from "../client";
import type { StatusBar } from "../status-bar";
import type { EnginesView } from "../views/engines";
import type { QuantizationsView } from "../views/quantizations";

/** What the commands work with. */
export interface CommandContext {
  extension: vscode.ExtensionContext;
  host: HostConnection;
  output: vscode.OutputChannel;
  statusBar: StatusBar;
  engines: EnginesView;
  quantizations: QuantizationsView;
  openChat(model?: string): void;
}
