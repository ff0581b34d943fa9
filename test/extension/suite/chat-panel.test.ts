// The chat panel driven as its page (media/chat.js) drives it: the same messages into its handler, and what it posts
// back to the page observed through the extension's API.
import assert from "node:assert/strict";
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

/** An untitled JavaScript editor beside the panel, as the user's file would be. */
async function editor(content: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ language: "javascript", content });
  return vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
}

async function discard(document: vscode.TextDocument): Promise<void> {
  await vscode.window.showTextDocument(document);
  await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
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

  it("Insert at Cursor puts a code block's text at the editor's cursor", async () => {
    const target = await editor("function add(x, y) {\n  \n}\n");
    target.selection = new vscode.Selection(1, 2, 1, 2);
    const panel = await openPanel();

    await panel.receive({ type: "insert", code: "return x + y;" });
    assert.equal(target.document.getText(), "function add(x, y) {\n  return x + y;\n}\n");
    await discard(target.document);
  });

  it("Include selection puts the selected code in front of the question", async () => {
    const source = await editor("const answer = 42;\nconsole.log(answer);\n");
    source.selection = new vscode.Selection(0, 0, 0, 18);
    const panel = await openPanel();
    await panel.receive({ type: "clear" });

    const posted = await send(panel, "What is this?", "selection");
    assert.equal(streamed(posted), fixture.chatReply);
    const question = panel.conversation[0]?.content ?? "";
    assert.match(question, /^Selected code .+:\n```javascript\nconst answer = 42;\n```\n\nWhat is this\?$/);
    assert.ok(!question.includes("console.log"), "only the selection, not the whole file");
    await discard(source.document);
  });
});
