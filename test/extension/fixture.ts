/**
 * What the extension suites and UI tests run against: a store holding a generated tiny model (known chat reply,
 * known fill-in-the-middle answer), a loopback registry holding another one to pull, and a workspace whose
 * settings keep llama.cpp to one thread. The extension finds the store through LMR_MODELS_PATH, which the editor
 * passes down to the host it starts.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pushModel } from "../../host/registry/push";
import { packageGguf } from "../../host/store/package";
import { ModelStore } from "../../host/store/store";
import { writeTinyModel } from "../fixtures/model-tiny";
import { startRegistry } from "../fixtures/registry";

export const LOCAL_MODEL = "ai/tiny:latest";

export interface ExtensionFixture {
  workspace: string;
  modelsPath: string;
  /** A model in the registry, not in the store: what a pull test pulls. */
  remoteModel: string;
  /** The environment the editor (and through it the suites and the host) gets. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startExtensionFixture(): Promise<ExtensionFixture> {
  const dir = await mkdtemp(join(tmpdir(), "lmr-extension-fixture-"));
  const tiny = await writeTinyModel(dir, { fileName: "tiny.gguf" });
  const modelsPath = join(dir, "store");
  await packageGguf(await ModelStore.open({ root: modelsPath }), { gguf: tiny.path }, LOCAL_MODEL);

  const registry = await startRegistry();
  const remoteModel = `${registry.host}/team/pulled:Q8_0`;
  const other = await writeTinyModel(dir, { fileName: "pulled.gguf", reply: "Pulled models answer too." });
  const source = await ModelStore.open({ root: join(dir, "source-store") });
  await packageGguf(source, { gguf: other.path }, remoteModel);
  await pushModel(source, remoteModel);

  const workspace = join(dir, "workspace");
  await mkdir(join(workspace, ".vscode"), { recursive: true });
  await writeFile(join(workspace, ".vscode/settings.json"), JSON.stringify({ "lmr.threads": 1 }, null, 2));
  await writeFile(join(workspace, "add.js"), "function add(x, y) {\n  \n}\n");

  return {
    workspace,
    modelsPath,
    remoteModel,
    env: {
      LMR_MODELS_PATH: modelsPath,
      UV_THREADPOOL_SIZE: "1",
      LMR_TEST_LOCAL_MODEL: LOCAL_MODEL,
      LMR_TEST_REMOTE_MODEL: remoteModel,
      LMR_TEST_CHAT_REPLY: tiny.expected.chatReply,
      LMR_TEST_INFILL: tiny.expected.infillMiddle ?? "",
    },
    async stop() {
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
