import assert from "node:assert/strict";
import * as vscode from "vscode";
import { eventually, fixture, modelRunner } from "./extension-api";

async function modelRows(): Promise<vscode.TreeItem[]> {
  return (await modelRunner()).models.getChildren();
}

async function labels(): Promise<string[]> {
  return (await modelRows()).map((item) => String(item.label));
}

describe("models", () => {
  it("the Models view shows the store's model with its quantization and engine", async () => {
    const row = (await modelRows()).find((item) => item.label === fixture.localModel);
    assert.ok(row, `rows: ${await labels()}`);
    assert.match(String(row.description), /F32 · .* · llama\.cpp/);
  });

  it("Pull brings the registry's model into the view", async () => {
    const pulled = await vscode.commands.executeCommand<string>("lmr.pull", fixture.remoteModel);
    assert.equal(pulled, fixture.remoteModel);
    await eventually("the pulled model in the view", async () => ((await labels()).includes(fixture.remoteModel) ? true : undefined));
  });

  it("Tag adds a name, Configure records settings, Inspect shows them as JSON", async () => {
    const target = await vscode.commands.executeCommand<string>("lmr.tag", fixture.localModel, "ai/tiny:copy");
    assert.equal(target, "ai/tiny:copy");
    await eventually("the new name in the view", async () => ((await labels()).includes("ai/tiny:copy") ? true : undefined));

    const configuration = await vscode.commands.executeCommand("lmr.configure", "ai/tiny:copy", { contextSize: 256, keepAlive: "10m" });
    assert.deepEqual(configuration, { contextSize: 256, keepAlive: "10m" });

    const document = await vscode.commands.executeCommand<vscode.TextDocument>("lmr.inspect", fixture.localModel);
    assert.equal(document.languageId, "json");
    const details = JSON.parse(document.getText());
    assert.deepEqual(details.tags.sort(), [fixture.localModel, "ai/tiny:copy"].sort());
    assert.deepEqual(details.configuration, { contextSize: 256, keepAlive: "10m" });
    assert.equal(details.config.config.format, "gguf");
    assert.equal(details.config.config.gguf["general.architecture"], "llama");
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
  });

  it("Remove takes names out of the view", async () => {
    await vscode.commands.executeCommand("lmr.remove", "ai/tiny:copy");
    await vscode.commands.executeCommand("lmr.remove", fixture.remoteModel);
    await eventually("the removed names gone from the view", async () => {
      const now = await labels();
      return !now.includes("ai/tiny:copy") && !now.includes(fixture.remoteModel) ? now : undefined;
    });
    assert.deepEqual(await labels(), [fixture.localModel]);
  });
});
