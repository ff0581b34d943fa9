import assert from "node:assert/strict";
import * as vscode from "vscode";
import { EXTENSION_ID, fixture, modelRunner } from "./extension-api";

describe("activation", () => {
  it("starts the host, whose HTTP API answers, on the configured store", async () => {
    const { host } = await modelRunner();
    const status = await host.hostStatus();
    assert.match(status.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(status.url)).status, 200);
    assert.equal(status.modelsPath, fixture.modelsPath);
  });

  it("registers every command it contributes", async () => {
    await modelRunner();
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands as { command: string }[]).map(
      (entry) => entry.command,
    );
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(contributed.length >= 15);
    assert.deepEqual(
      contributed.filter((command) => !registered.has(command)),
      [],
    );
  });
});
