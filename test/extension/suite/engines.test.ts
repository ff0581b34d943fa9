import assert from "node:assert/strict";
import * as vscode from "vscode";
import type { Installation } from "../../../extension/commands/install-runner";
import { eventually, fixture, modelRunner } from "./extension-api";

describe("engines", () => {
  it("Install Runner checks llama.cpp's prebuilt binary for this platform and says what it runs on", async () => {
    await modelRunner();
    const installation = await vscode.commands.executeCommand<Installation>("lmr.installRunner", "llama.cpp", "none");
    assert.ok(installation.backend === "llama.cpp", `backend ${installation.backend}`);
    assert.equal(installation.gpu, "cpu");
    assert.deepEqual(installation.installed, []);
    assert.equal(installation.present.length, 1);
    assert.match(installation.present[0]!, /^@node-llama-cpp\/[a-z0-9-]+@3\.21\.1$/);
    assert.ok(installation.version, "llama.cpp names its release");
  });

  it("Build llama.cpp for This CPU builds it through the host, and models loaded afterwards run on it", async function () {
    // The real compile: about five minutes on two cores.
    this.timeout(20 * 60_000);
    const { host } = await modelRunner();
    const built = await vscode.commands.executeCommand<{ release: string; seconds: number }>("lmr.buildRunner");
    assert.match(built.release, /^\S+$/);
    assert.ok(built.seconds > 0, `${built.seconds} s`);
    await host.request("unload", {});
    await host.request("load", { model: fixture.localModel });
    const logs = await host.request("logs", {});
    assert.ok(
      logs.some((line) => /^loaded on llama\.cpp \S+ \(built on this machine\)/.test(line.message)),
      logs.map((line) => `${line.source}: ${line.message}`).join("\n"),
    );
    await host.request("unload", {});
  });

  it("the keep-alive setting restarts the host, whose loaded models then keep it", async () => {
    const { host } = await modelRunner();
    const settings = vscode.workspace.getConfiguration("lmr");
    await settings.update("keepAlive", "10m", vscode.ConfigurationTarget.Global);
    try {
      const loaded = await eventually("a model loaded by the restarted host", async () => {
        const model = await host.request("load", { model: fixture.localModel }).catch(() => undefined);
        return model?.keepAlive === "10m" ? model : undefined;
      });
      assert.equal(loaded.model, fixture.localModel);
    } finally {
      await settings.update("keepAlive", undefined, vscode.ConfigurationTarget.Global);
    }
    await eventually("the default keep-alive back", async () => {
      const model = await host.request("load", { model: fixture.localModel }).catch(() => undefined);
      return model?.keepAlive === "5m" ? model : undefined;
    });
    await host.request("unload", {});
  });
});
