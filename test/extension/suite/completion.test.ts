import assert from "node:assert/strict";
import * as vscode from "vscode";
import { eventually, fixture, modelRunner } from "./extension-api";

describe("inline completion", () => {
  it("completes inside a function with the fill-in-the-middle model's known text", async () => {
    // Warm: the first completion of a session otherwise spends its time cap loading the model.
    await (await modelRunner()).host.request("load", { model: fixture.localModel });
    const [file] = await vscode.workspace.findFiles("add.js");
    assert.ok(file, "the fixture workspace has add.js");
    const editor = await vscode.window.showTextDocument(file);
    editor.selection = new vscode.Selection(1, 2, 1, 2);
    const text = await eventually(
      "an accepted inline completion",
      async () => {
        await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await vscode.commands.executeCommand("editor.action.inlineSuggest.commit");
        const now = editor.document.getText();
        return now.includes(fixture.infill) ? now : undefined;
      },
      60_000,
    );
    assert.equal(text, `function add(x, y) {\n  ${fixture.infill}\n}\n`);
    await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
  });
});
