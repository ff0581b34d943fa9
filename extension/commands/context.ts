import type * as vscode from "vscode";
import type { HostConnection } from "../client";
import type { StatusBar } from "../status-bar";

/** What the commands work with. */
export interface CommandContext {
  extension: vscode.ExtensionContext;
  host: HostConnection;
  output: vscode.OutputChannel;
  statusBar: StatusBar;
  openChat(model?: string): void;
}
