import assert from "node:assert/strict";
import * as vscode from "vscode";
import { eventually, fixture, modelRunner } from "./extension-api";

describe("chat", () => {
  it("the local models are language models of the editor", async () => {
    await modelRunner();
    const models = await eventually("the lmr models in vscode.lm", async () => {
      const found = await vscode.lm.selectChatModels({ vendor: "lmr" });
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(
      models.map((model) => model.id),
      [fixture.localModel],
    );
    assert.equal(models[0]!.family, "llama");
  });

  it("a language model request streams the tiny model's exact reply", async () => {
    const [model] = await vscode.lm.selectChatModels({ vendor: "lmr", id: fixture.localModel });
    assert.ok(model);
    const response = await model.sendRequest([vscode.LanguageModelChatMessage.User("Say hello.")], {}, new vscode.CancellationTokenSource().token);
    let text = "";
    for await (const part of response.text) text += part;
    assert.equal(text, fixture.chatReply);
  });

  it("Run loads the model; the Engines view shows it under llama.cpp; Unload All unloads it", async () => {
    const { engines } = await modelRunner();
    const loaded = await vscode.commands.executeCommand<{ model: string; loading: boolean }>("lmr.run", fixture.localModel);
    assert.equal(loaded.model, fixture.localModel);
    assert.equal(loaded.loading, false);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");

    const [llamaCpp] = await engines.getChildren();
    assert.equal(llamaCpp?.label, "llama.cpp");
    const children = await engines.getChildren(llamaCpp);
    assert.deepEqual(
      children.map((child) => child.label),
      [fixture.localModel],
    );

    await vscode.commands.executeCommand("lmr.unloadAll");
    const after = await engines.getChildren();
    assert.deepEqual(await engines.getChildren(after[0]), []);
  });
});
