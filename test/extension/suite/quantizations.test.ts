import assert from "node:assert/strict";
import * as vscode from "vscode";
import type { QuantizationList } from "../../../host/protocol/control";
import { eventually, fixture, modelRunner } from "./extension-api";

describe("quantizations", () => {
  it("lists the registry model's quantizations with size, memory and fit; Pull on a row brings it into Models", async () => {
    const { quantizations, models } = await modelRunner();
    const listing = await vscode.commands.executeCommand<QuantizationList>("lmr.showQuantizations", fixture.remoteModel);
    assert.equal(listing.reference, fixture.remoteModel.replace(/:Q8_0$/, ""));
    assert.equal(listing.contextSize, 4096, "Docker Model Runner's default context for a model that is not local");

    const rows = quantizations.getChildren();
    assert.deepEqual(
      rows.map((row) => row.label),
      ["Q8_0"],
    );
    // The tiny model keeps its weights in F32 whatever its tag says; it is small enough for any machine.
    assert.match(String(rows[0]!.description), /^F32 · 32\.00 bits\/weight · [\d.]+ [KM]iB · [\d.]+ [KM]iB to run · fits$/);

    const pulled = await vscode.commands.executeCommand<string>("lmr.pull", rows[0]);
    assert.equal(pulled, fixture.remoteModel);
    await eventually("the pulled quantization in Models", async () =>
      (await models.getChildren()).some((row) => row.label === fixture.remoteModel) ? true : undefined,
    );
    await vscode.commands.executeCommand("lmr.remove", fixture.remoteModel);
  });

  it("a local model's quantizations are estimated at the context configured for it", async () => {
    await vscode.commands.executeCommand("lmr.pull", fixture.remoteModel);
    await vscode.commands.executeCommand("lmr.configure", fixture.remoteModel, { contextSize: 1024 });
    const listing = await vscode.commands.executeCommand<QuantizationList>("lmr.showQuantizations", fixture.remoteModel);
    assert.equal(listing.contextSize, 1024);
    await vscode.commands.executeCommand("lmr.remove", fixture.remoteModel);
  });
});
