// The editor's control channel end to end: a real host started as the extension starts it (`serve --stdio`), a
// JSON-RPC client like vscode-languageclient's, and a real registry to pull from and push to.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  createMessageConnection,
  type MessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from "vscode-languageserver/node";
import { ControlNotifications, ControlRequests, type ControlParams, type ControlRequestName, type ControlResult } from "../../host/protocol/control";
import { pushModel } from "../../host/registry/push";
import { ModelStore } from "../../host/store/store";
import { handBuiltArtifact, storeArtifact, writeTestGguf } from "../fixtures/registry-artifacts";
import { startRegistry, type TestRegistry } from "../fixtures/registry";

const repoRoot = resolve(import.meta.dirname, "../..");
const GGUF = "application/vnd.docker.ai.gguf.v3";

describe("control channel", () => {
  let dir: string;
  let registry: TestRegistry;
  let host: ReturnType<typeof spawn>;
  let connection: MessageConnection;
  let stderr = "";
  const notifications: string[] = [];
  let modelRef: string;

  async function call<Name extends ControlRequestName>(name: Name, params: ControlParams<Name>): Promise<ControlResult<Name>> {
    return ControlRequests[name].result.parse(await connection.sendRequest(ControlRequests[name].method, params)) as ControlResult<Name>;
  }

  async function failure(promise: Promise<unknown>): Promise<ResponseError<{ type: string; fix?: string }>> {
    const error = await promise.then(
      () => assert.fail("the request succeeded"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof ResponseError, String(error));
    return error as ResponseError<{ type: string; fix?: string }>;
  }

  async function waitFor(what: () => boolean, label: string): Promise<void> {
    for (let attempt = 0; attempt < 100 && !what(); attempt++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(what(), `${label}; host log:\n${stderr}`);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lmr-control-"));
    registry = await startRegistry();
    // A model in the registry, put there by a second store as `lmr push` would.
    const ggufPath = join(dir, "tiny.gguf");
    await writeTestGguf(ggufPath, { weightBytes: 3 * 1024 * 1024, name: "tiny" });
    modelRef = `${registry.host}/team/tiny:Q8_0`;
    const source = await ModelStore.open({ root: join(dir, "source-store") });
    await storeArtifact(source, modelRef, handBuiltArtifact([{ mediaType: GGUF, bytes: await readFile(ggufPath) }]));
    await pushModel(source, modelRef);

    host = spawn(
      process.execPath,
      ["--import", "tsx", "host/cli/main.ts", "serve", "--stdio", "--port", "0", "--models-path", join(dir, "store"), "--threads", "1"],
      { cwd: repoRoot, env: { ...process.env, UV_THREADPOOL_SIZE: "1" }, stdio: ["pipe", "pipe", "pipe"] },
    );
    host.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    connection = createMessageConnection(new StreamMessageReader(host.stdout!), new StreamMessageWriter(host.stdin!));
    for (const method of Object.values(ControlNotifications)) connection.onNotification(method, () => notifications.push(method));
    connection.listen();
    await connection.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
    await connection.sendNotification("initialized", {});
  });

  after(async () => {
    if (host.exitCode === null) {
      const exited = new Promise((resolve) => host.once("exit", resolve));
      await connection.sendRequest("shutdown").catch(() => {});
      await connection.sendNotification("exit").catch(() => {});
      await exited;
    }
    connection.dispose();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("reports the HTTP API's address, the store and the engines", async () => {
    const status = await call("status", {});
    const root = await fetch(status.url);
    assert.equal(root.status, 200);
    assert.equal(status.modelsPath, join(dir, "store"));
    const llamaCpp = status.engines.find((engine) => engine.name === "llama.cpp");
    assert.equal(llamaCpp?.state, "running");
    assert.ok(llamaCpp?.version, "llama.cpp reports its version");
    assert.deepEqual(await call("models", {}), []);
  });

  it("pulls with $/progress, then lists and inspects the model", async () => {
    const reports: (WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd)[] = [];
    connection.onProgress(WorkDoneProgress.type, "pull-1", (value) => reports.push(value));
    const pulled = await call("pull", { reference: modelRef, workDoneToken: "pull-1" });
    assert.equal(pulled.name, modelRef);
    assert.equal(reports[0]?.kind, "begin");
    assert.equal(reports.at(-1)?.kind, "end");
    const last = reports.filter((report): report is WorkDoneProgressReport => report.kind === "report").at(-1);
    assert.equal(last?.percentage, 100);
    assert.match(last?.message ?? "", /^3\.\d+ MiB of 3\.\d+ MiB/);

    await waitFor(() => notifications.includes(ControlNotifications.storeChanged), "the store change is announced");
    const [model] = await call("models", {});
    assert.equal(model?.name, modelRef);
    assert.equal(model?.quantization, "Q8_0");
    assert.equal(model?.engine, "llama.cpp");
    assert.equal(model?.loaded, false);

    const details = await call("inspect", { model: modelRef });
    assert.deepEqual(details.tags, [modelRef]);
    assert.equal(details.config.config.format, "gguf");
    assert.equal(details.config.config.gguf?.["general.name"], "hand-built");
  });

  it("tags, configures and shows the configuration", async () => {
    const tagged = await call("tag", { source: modelRef, target: "team/tiny:fast" });
    assert.equal(tagged.target, "team/tiny:fast");
    assert.deepEqual((await call("models", {})).map((model) => model.name).sort(), [modelRef, "team/tiny:fast"].sort());

    const configuration = await call("configure", { model: "team/tiny:fast", patch: { contextSize: 2048, keepAlive: "10m" } });
    assert.deepEqual(configuration, { contextSize: 2048, keepAlive: "10m" });
    assert.deepEqual((await call("inspect", { model: modelRef })).configuration, { contextSize: 2048, keepAlive: "10m" });
  });

  it("lists the repository's quantizations at the model's configured context, and whether each fits here", async () => {
    const listed = await call("quants", { reference: modelRef });
    assert.equal(listed.reference, modelRef.replace(/:Q8_0$/, ""));
    // The local copy is configured for 2048 tokens; nothing was downloaded to learn the rest.
    assert.equal(listed.contextSize, 2048);
    assert.ok(listed.free.bytes > 0);
    const [only, ...others] = listed.quantizations;
    assert.deepEqual(others, []);
    assert.equal(only?.reference, modelRef);
    assert.equal(only?.quantization, "Q8_0");
    assert.ok(only.bitsPerWeight >= 8.5 && only.bitsPerWeight < 8.6, `${only.bitsPerWeight} bits per weight`);
    // One layer of 4 KV heads of 64 dimensions, keys and values in F16.
    assert.equal(only.memory.kvCache, 2048 * 4 * (64 + 64) * 2);
    assert.equal(only.fits, true);

    const wider = await call("quants", { reference: modelRef, contextSize: 8192 });
    assert.equal(wider.quantizations[0]?.memory.kvCache, 8192 * 4 * (64 + 64) * 2);
  });

  it("answers a bad request with the error's type and its fix", async () => {
    const missing = await failure(call("inspect", { model: "ai/nothing-here" }));
    assert.equal(missing.data?.type, "not_found_error");
    assert.match(missing.message, /ai\/nothing-here/);
    assert.ok(missing.data?.fix, "a missing model comes with a fix");

    const badKeepAlive = await failure(call("configure", { model: modelRef, patch: { keepAlive: "soon" } }));
    assert.equal(badKeepAlive.data?.type, "invalid_request_error");
    assert.match(badKeepAlive.message, /keepAlive/);

    const noName = await failure(call("inspect", { model: " " }));
    assert.equal(noName.data?.type, "invalid_request_error");
  });

  it("pushes a model to the registry under a new name", async () => {
    const target = `${registry.host}/team/copy:v1`;
    await call("tag", { source: modelRef, target });
    const pushed = await call("push", { model: target });
    assert.equal(pushed.reference, target);
    assert.equal(pushed.digest, (await call("inspect", { model: modelRef })).id);
    const manifest = await fetch(`${registry.url}/v2/team/copy/manifests/v1`, {
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    assert.equal(manifest.status, 200);
  });

  it("removes every name of the model, and has nothing loaded", async () => {
    const details = await call("inspect", { model: modelRef });
    for (const tag of details.tags) await call("remove", { model: tag });
    assert.deepEqual(await call("models", {}), []);
    assert.deepEqual(await call("ps", {}), []);
    assert.deepEqual(await call("unload", {}), { unloaded: 0 });
  });

  it("returns the host's recent log lines", async () => {
    const lines = await call("logs", {});
    assert.ok(lines.some((line) => line.message === "control channel on stdio"));
  });
});
