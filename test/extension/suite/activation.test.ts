import assert from "node:assert/strict";
import * as vscode from "vscode";

describe("activation", () => {
  it("activates the extension", async () => {
    const extension = vscode.extensions.getExtension("local-model-runner.local-model-runner");
    assert.ok(extension, "the extension under development is installed");
    await extension.activate();
    assert.equal(extension.isActive, true);
  });
});
