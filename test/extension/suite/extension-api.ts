import * as vscode from "vscode";
import type { ModelRunnerApi } from "../../../extension/main";

export const EXTENSION_ID = "local-model-runner.local-model-runner";

/** The fixture's facts, passed down by test/extension/run.ts through the editor's environment. */
export const fixture = {
  localModel: process.env.LMR_TEST_LOCAL_MODEL!,
  remoteModel: process.env.LMR_TEST_REMOTE_MODEL!,
  chatReply: process.env.LMR_TEST_CHAT_REPLY!,
  infill: process.env.LMR_TEST_INFILL!,
  modelsPath: process.env.LMR_MODELS_PATH!,
};

export async function modelRunner(): Promise<ModelRunnerApi> {
  const extension = vscode.extensions.getExtension<ModelRunnerApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed`);
  return extension.activate();
}

/** Polls until `check` passes, for what the editor updates on its own time (views after a notification). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
