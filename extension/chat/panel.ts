/**
 * The chat panel (webview, media/chat.js): streams answers from a local model, can stop, keeps the conversation
 * while the panel lives, and hands code blocks back to the editor (copy, insert at cursor).
 */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { z } from "zod";
import type { HostConnection } from "../client";
import { showError } from "../host-error";
import { streamChat, type ChatMessage } from "../inference";
import { chatModel } from "../model-choice";

const FromWebviewSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("send"), text: z.string().min(1), model: z.string().min(1), context: z.enum(["none", "selection", "file"]) }),
  z.object({ type: z.literal("stop") }),
  z.object({ type: z.literal("clear") }),
  z.object({ type: z.literal("copy"), code: z.string() }),
  z.object({ type: z.literal("insert"), code: z.string() }),
]);

/** What the panel posts to its webview; tests observe the same stream through `onDidPost`. */
export type ToWebview =
  | { type: "init"; models: string[]; model: string | undefined; history: ChatMessage[] }
  | { type: "start" }
  | { type: "delta"; text: string }
  | { type: "done"; tokensPerSecond: number | undefined }
  | { type: "error"; message: string };

export class ChatPanel implements vscode.Disposable {
  static readonly viewType = "lmr.chatPanel";
  private static current: ChatPanel | undefined;

  /** The open panel, if any. */
  static get open(): ChatPanel | undefined {
    return ChatPanel.current;
  }

  private readonly history: ChatMessage[] = [];
  private running: AbortController | undefined;
  private model: string | undefined;
  private readonly posted = new vscode.EventEmitter<ToWebview>();
  readonly onDidPost = this.posted.event;
  private readonly subscriptions: vscode.Disposable[] = [this.posted];

  /** Opens the panel, or brings the open one forward; `model` preselects a model in its dropdown. */
  static show(context: vscode.ExtensionContext, host: HostConnection, onAnswer: (tokensPerSecond: number | undefined) => void, model?: string): ChatPanel {
    if (ChatPanel.current) {
      if (model) ChatPanel.current.model = model;
      ChatPanel.current.panel.reveal();
      void ChatPanel.current.sendInit();
      return ChatPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(ChatPanel.viewType, "Model Runner Chat", vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, "media")],
    });
    ChatPanel.current = new ChatPanel(panel, context, host, onAnswer, model);
    return ChatPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly host: HostConnection,
    private readonly onAnswer: (tokensPerSecond: number | undefined) => void,
    model: string | undefined,
  ) {
    this.model = model;
    panel.iconPath = new vscode.ThemeIcon("comment-discussion");
    panel.webview.html = html(panel.webview, context.extensionUri);
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      panel.onDidDispose(() => this.dispose()),
      host.onStoreChanged(() => void this.sendInit()),
    );
  }

  /** The conversation as the model gets it: user turns carry the editor context they were sent with. */
  get conversation(): readonly ChatMessage[] {
    return this.history;
  }

  /** Handles a message from the webview; a `send` settles when its answer ends. Public so tests drive the panel as its page does. */
  async receive(raw: unknown): Promise<void> {
    const message = FromWebviewSchema.safeParse(raw);
    if (!message.success) return;
    const data = message.data;
    switch (data.type) {
      case "ready":
        return this.sendInit();
      case "send":
        return this.answer(data.text, data.model, data.context);
      case "stop":
        return this.running?.abort();
      case "clear":
        this.running?.abort();
        this.history.length = 0;
        return this.sendInit();
      case "copy":
        return vscode.env.clipboard.writeText(data.code);
      case "insert":
        return insertAtCursor(data.code);
    }
  }

  private async sendInit(): Promise<void> {
    try {
      const models = (await this.host.request("models", {})).map((model) => model.name);
      this.model = this.model && models.includes(this.model) ? this.model : await chatModel(this.host);
      this.post({ type: "init", models, model: this.model, history: this.history });
    } catch (error) {
      showError(error);
    }
  }

  private async answer(text: string, model: string, context: "none" | "selection" | "file"): Promise<void> {
    this.running?.abort();
    const running = new AbortController();
    this.running = running;
    this.model = model;
    this.history.push({ role: "user", content: withEditorContext(text, context) });
    this.post({ type: "start" });
    let answer = "";
    try {
      const result = await streamChat(await this.host.apiUrl(), model, this.history, running.signal, (delta) => {
        answer += delta;
        this.post({ type: "delta", text: delta });
      });
      this.onAnswer(result.tokensPerSecond);
      this.post({ type: "done", tokensPerSecond: result.tokensPerSecond });
    } catch (error) {
      if (running.signal.aborted) this.post({ type: "done", tokensPerSecond: undefined });
      else this.post({ type: "error", message: error instanceof Error ? error.message : String(error) });
    } finally {
      // A stopped answer stays in the conversation as far as it got, as it stays on screen.
      if (answer) this.history.push({ role: "assistant", content: answer });
      if (this.running === running) this.running = undefined;
    }
  }

  private post(message: ToWebview): void {
    this.posted.fire(message);
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    this.running?.abort();
    ChatPanel.current = undefined;
    for (const subscription of this.subscriptions) subscription.dispose();
    this.panel.dispose();
  }
}

/** The question with the editor's selection or whole file in front of it, fenced in the file's language. */
function withEditorContext(text: string, context: "none" | "selection" | "file"): string {
  const editor = lastEditor();
  if (context === "none" || !editor) return text;
  const code = context === "selection" ? editor.document.getText(editor.selection) : editor.document.getText();
  if (!code) return text;
  const name = vscode.workspace.asRelativePath(editor.document.uri);
  return `${context === "selection" ? "Selected code" : "File"} ${name}:\n\`\`\`${editor.document.languageId}\n${code}\n\`\`\`\n\n${text}`;
}

async function insertAtCursor(code: string): Promise<void> {
  const editor = lastEditor();
  if (!editor) return void vscode.window.showInformationMessage("Model Runner: open a file to insert the code into.");
  await editor.edit((edit) => edit.replace(editor.selection, code));
}

/** The panel has the focus while the user works in it, so the editor is the last text editor that was visible. */
function lastEditor(): vscode.TextEditor | undefined {
  return vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString("base64");
  const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "media", file));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media("chat.css")}">
<title>Model Runner Chat</title>
</head>
<body>
<header>
  <select id="model" aria-label="Model"></select>
  <select id="context" aria-label="Include">
    <option value="none">No editor context</option>
    <option value="selection">Include selection</option>
    <option value="file">Include file</option>
  </select>
  <button id="clear" class="secondary" title="Start a new conversation">New</button>
</header>
<main id="conversation" aria-live="polite"></main>
<footer>
  <textarea id="prompt" rows="3" placeholder="Ask the local model… (Enter sends, Shift+Enter is a new line)"></textarea>
  <button id="send">Send</button>
  <button id="stop" class="secondary" hidden>Stop</button>
  <span id="speed"></span>
</footer>
<script nonce="${nonce}" src="${media("chat.js")}"></script>
</body>
</html>`;
}
