// The chat panel driven as its page (media/chat.js) drives it: the same messages into its handler, and what it posts
// back to the page observed through the extension's API.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as vscode from "vscode";
import type { ChatPanel, ToWebview } from "../../../extension/chat/panel";
import { eventually, fixture, modelRunner } from "./extension-api";

async function openPanel(): Promise<ChatPanel> {
  const { chatPanel } = await modelRunner();
  await vscode.commands.executeCommand("lmr.chat");
  return eventually("the chat panel", async () => chatPanel());
}

/** Sends `text` as the Send button does and returns what the panel posted to the page until the answer ended. */
async function send(panel: ChatPanel, text: string, context: "none" | "selection" = "none", whileAnswering?: () => void): Promise<ToWebview[]> {
  const posted: ToWebview[] = [];
  const listening = panel.onDidPost((message) => {
    posted.push(message);
    if (message.type === "start") whileAnswering?.();
  });
  try {
    await panel.receive({ type: "send", text, model: fixture.localModel, context });
  } finally {
    listening.dispose();
  }
  return posted;
}

function streamed(posted: ToWebview[]): string {
  return posted.map((message) => (message.type === "delta" ? message.text : "")).join("");
}

/**
 * A JavaScript editor with the panel opened beside it, the layout the user works in: the panel has the
 * focus, the editor stays visible. Editors left open by other suites would share the panel's column.
 */
async function editorBesidePanel(content: string, selection: vscode.Range): Promise<{ editor: vscode.TextEditor; panel: ChatPanel }> {
  const { chatPanel } = await modelRunner();
  await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  await eventually("the chat panel to close", async () => (chatPanel() ? undefined : true));
  // A file of its own per test: untitled documents reuse their names, and the extension host can hand back the
  // previous document under the reused name.
  const file = join(await mkdtemp(join(tmpdir(), "lmr-chat-panel-")), "code.js");
  await writeFile(file, content);
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, selection });
  const panel = await openPanel();
  // The editor's state reaches the extension host on its own time; the user clicks in the panel after it has.
  await eventually("the editor visible beside the focused panel", async () =>
    !vscode.window.activeTextEditor && vscode.window.visibleTextEditors.includes(editor) ? true : undefined,
  );
  return { editor, panel };
}

/** Runs `use` on an editor beside the panel, then closes the editor unsaved. */
async function withEditor(content: string, selection: vscode.Range, use: (editor: vscode.TextEditor, panel: ChatPanel) => Promise<void>): Promise<void> {
  const { editor, panel } = await editorBesidePanel(content, selection);
  try {
    await use(editor, panel);
  } finally {
    await vscode.window.showTextDocument(editor.document, editor.viewColumn);
    await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    await rm(dirname(editor.document.uri.fsPath), { recursive: true, force: true });
  }
}

describe("chat panel", () => {
  after(() => vscode.commands.executeCommand("workbench.action.closeAllEditors"));

  it("streams the model's exact answer and keeps both turns of the conversation", async () => {
    const panel = await openPanel();
    await panel.receive({ type: "clear" });

    const first = await send(panel, "Say hello.");
    assert.equal(first[0]?.type, "start");
    assert.equal(first.at(-1)?.type, "done");
    assert.equal(streamed(first), fixture.chatReply);
    assert.deepEqual(panel.conversation, [
      { role: "user", content: "Say hello." },
      { role: "assistant", content: fixture.chatReply },
    ]);

    const second = await send(panel, "And again?");
    assert.equal(streamed(second), fixture.chatReply);
    assert.deepEqual(
      panel.conversation.map((turn) => turn.role),
      ["user", "assistant", "user", "assistant"],
    );
  });

  it("Stop ends the answer without an error, and the panel answers the next message", async () => {
    const panel = await openPanel();
    await panel.receive({ type: "clear" });

    // The tiny model's reply is a few tokens, too short to stop halfway on purpose, so Stop goes in as the answer
    // starts, as a click on the Stop button that appears with it would.
    const stopped = await send(panel, "Say hello.", "none", () => void panel.receive({ type: "stop" }));
    assert.deepEqual(stopped, [{ type: "start" }, { type: "done", tokensPerSecond: undefined }]);
    assert.deepEqual(panel.conversation, [{ role: "user", content: "Say hello." }]);

    const next = await send(panel, "Say hello.");
    assert.equal(next.at(-1)?.type, "done");
    assert.equal(streamed(next), fixture.chatReply);
    assert.deepEqual(panel.conversation.at(-1), { role: "assistant", content: fixture.chatReply });
  });

  it("Insert at Cursor puts a code block's text at the editor's cursor", () =>
    withEditor("function add(x, y) {\n  \n}\n", new vscode.Range(1, 2, 1, 2), async (editor, panel) => {
      await panel.receive({ type: "insert", code: "return x + y;" });
      assert.equal(editor.document.getText(), "function add(x, y) {\n  return x + y;\n}\n");
    }));

  it("Include selection puts the selected code in front of the question", () =>
    withEditor("const answer = 42;\nconsole.log(answer);\n", new vscode.Range(0, 0, 0, 18), async (_editor, panel) => {
      const posted = await send(panel, "What is this?", "selection");
      assert.equal(streamed(posted), fixture.chatReply);
      const question = panel.conversation[0]?.content ?? "";
      assert.match(question, /^Selected code .+:\n```javascript\nconst answer = 42;\n```\n\nWhat is this\?$/);
      assert.ok(!question.includes("console.log"), "only the selection, not the whole file");
    }));
});
