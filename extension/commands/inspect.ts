import * as vscode from "vscode";
import type { HostConnection } from "../client";
import type { CommandContext } from "./context";
import { modelName } from "./model-argument";

const SCHEME = "lmr-inspect";

/** Read-only JSON documents of a model's ID, names, configuration and OCI config with its GGUF metadata. */
export class InspectDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly host: HostConnection) {}

  static register(host: HostConnection): vscode.Disposable {
    return vscode.workspace.registerTextDocumentContentProvider(SCHEME, new InspectDocuments(host));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const model = decodeURIComponent(uri.query);
    return `${JSON.stringify(await this.host.request("inspect", { model }), null, 2)}\n`;
  }
}

/** `lmr.inspect [model]` */
export async function inspect({ host }: CommandContext, argument?: unknown): Promise<vscode.TextDocument | undefined> {
  const model = await modelName(argument, host, "Inspect which model?");
  if (!model) return undefined;
  const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${model.replace(/[/:]/g, "_")}.json`, query: encodeURIComponent(model) });
  const document = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), "json");
  await vscode.window.showTextDocument(document, { preview: true });
  return document;
}
