import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { APIError } from "openai";
import { hasNvidiaGpu } from "../../host/engines/vllm/preconditions";
import { writeTinyModel, type TinyModel } from "../fixtures/model-tiny";
import { SAFETENSORS_CONTEXT, VLLM_STANDIN, flagValue, processAlive, standinLaunches, writeSafetensorsModel } from "../fixtures/vllm";
import { lmr, startHost, type TestHost } from "../helpers/host";
import { NAMES, packageModels } from "../helpers/models";

const SAFETENSORS_MODEL = "test/coder-vllm";
const SERVED_NAME = `${SAFETENSORS_MODEL}:latest`;

async function chat(host: TestHost, prefix: string, model: string): Promise<string> {
  const completion = await host.openai(prefix).chat.completions.create({ model, messages: [{ role: "user", content: "Write a function." }] });
  return completion.choices[0]!.message.content ?? "";
}

async function waitForExit(pid: number): Promise<void> {
  for (let i = 0; i < 200 && processAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(processAlive(pid), false, `process ${pid} is still running`);
}

function rejectsWith(status: number, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof APIError, String(error));
    assert.equal(error.status, status);
    assert.match(error.message, pattern);
    return true;
  };
}

describe("vLLM launched per model (a stand-in vllm executable)", () => {
  let work: string;
  let tiny: TinyModel;
  let argsFile: string;
  let host: TestHost;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "lmr-vllm-launch-"));
    tiny = await writeTinyModel(work, { chatTemplate: "chatml" });
    const modelsPath = path.join(work, "store");
    await packageModels(modelsPath, { chatml: tiny });
    const packaged = await lmr(["package", "--safetensors-dir", await writeSafetensorsModel(path.join(work, "hf")), "--models-path", modelsPath, SAFETENSORS_MODEL]);
    assert.equal(packaged.code, 0, packaged.stderr);
    argsFile = path.join(work, "vllm-args.jsonl");
    host = await startHost({ modelsPath, args: ["--vllm-bin", VLLM_STANDIN], env: { VLLM_STANDIN_GGUF: tiny.path, VLLM_STANDIN_ARGS_FILE: argsFile } });
  });
  after(async () => {
    await host?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it("serves a safetensors model through vLLM on /engines/v1 and /engines/vllm/v1, streamed and not", async () => {
    for (const prefix of ["/engines/v1", "/engines/vllm/v1", "/v1"]) assert.equal(await chat(host, prefix, SAFETENSORS_MODEL), tiny.expected.chatReply);

    const stream = await host.openai("/engines/vllm/v1").chat.completions.create({
      model: SAFETENSORS_MODEL,
      messages: [{ role: "user", content: "Stream it." }],
      stream: true,
    });
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      assert.equal(chunk.model, SERVED_NAME);
      text += chunk.choices[0]?.delta.content ?? "";
      chunks++;
    }
    assert.equal(text, tiny.expected.chatReply);
    assert.ok(chunks > 2, `the reply came in ${chunks} chunks`);
    assert.equal((await standinLaunches(argsFile)).length, 1, "one vLLM serves every request");
    assert.match(host.logs(), /\[vllm\] INFO Application startup complete\./, "vLLM's log is in the host's");
  });

  it("starts vllm serve on the model's bundle folder, on loopback, under the model's name, with its context as --max-model-len", async () => {
    const [launch] = await standinLaunches(argsFile);
    assert.ok(launch);
    const [command, dir, ...flags] = launch.argv;
    assert.equal(command, "serve");
    assert.ok(dir!.startsWith(host.modelsPath), `${dir} is in the store`);
    assert.ok((await stat(path.join(dir!, "config.json"))).isFile());
    assert.ok((await stat(path.join(dir!, "model.safetensors"))).isFile());
    assert.equal(flagValue(flags, "--host"), "127.0.0.1");
    assert.match(flagValue(flags, "--port") ?? "", /^\d+$/);
    assert.equal(flagValue(flags, "--served-model-name"), SERVED_NAME);
    assert.equal(flagValue(flags, "--max-model-len"), String(SAFETENSORS_CONTEXT));
    assert.equal(flags.includes("--hf-overrides"), false);
    assert.equal(flags.includes("--gpu-memory-utilization"), false);

    const ps = (await host.lmr(["ps"])).stdout;
    assert.match(ps, new RegExp(`${SERVED_NAME}\\s+vllm`));
  });

  it("starts vllm again with the options lmr configure set, and stops the old one", async () => {
    const [first] = await standinLaunches(argsFile);
    const configured = await host.lmr(["configure", "--hf_overrides", '{"max_model_len": 8192}', "--gpu-memory-utilization", "0.8", SAFETENSORS_MODEL]);
    assert.equal(configured.code, 0, configured.stderr);

    assert.equal(await chat(host, "/engines/v1", SAFETENSORS_MODEL), tiny.expected.chatReply);
    const launches = await standinLaunches(argsFile);
    assert.equal(launches.length, 2);
    const argv = launches[1]!.argv;
    assert.deepEqual(JSON.parse(flagValue(argv, "--hf-overrides") ?? "null"), { max_model_len: 8192 });
    assert.equal(flagValue(argv, "--gpu-memory-utilization"), "0.8");
    assert.equal(flagValue(argv, "--served-model-name"), SERVED_NAME);
    await waitForExit(first!.pid);
  });

  it("stops the vllm process on lmr unload", async () => {
    const launches = await standinLaunches(argsFile);
    const { pid } = launches.at(-1)!;
    assert.ok(processAlive(pid));
    const unloaded = await host.lmr(["unload", SERVED_NAME]);
    assert.equal(unloaded.code, 0, unloaded.stderr);
    assert.match(unloaded.stdout, /Unloaded 1 model/);
    await waitForExit(pid);
    assert.doesNotMatch((await host.lmr(["ps"])).stdout, new RegExp(SAFETENSORS_MODEL));
  });

  it("answers 400 naming the right engine when a path forces the wrong one", async () => {
    await assert.rejects(chat(host, "/engines/vllm/v1", NAMES.chatml), rejectsWith(400, /gguf model.*\/engines\/llama\.cpp\/v1/));
    await assert.rejects(chat(host, "/engines/llama.cpp/v1", SAFETENSORS_MODEL), rejectsWith(400, /safetensors model.*\/engines\/vllm\/v1/));
    assert.equal(await chat(host, "/engines/llama.cpp/v1", NAMES.chatml), tiny.expected.chatReply);
  });

  it("answers 503 saying what is missing when there is no vllm to launch", async () => {
    // Node's own folder is all the PATH this host has: it holds node, not vllm.
    const bare = await startHost({ modelsPath: host.modelsPath, env: { PATH: path.dirname(process.execPath), LMR_VLLM_BIN: "" } });
    try {
      const error = await chat(bare, "/engines/v1", SAFETENSORS_MODEL).then(
        () => assert.fail("a safetensors model ran without vLLM"),
        (error: unknown) => error,
      );
      assert.ok(error instanceof APIError);
      assert.equal(error.status, 503);
      assert.match(error.message, /vLLM cannot run here/);
      assert.match(error.message, /no `vllm` executable on PATH/);
      if (!(await hasNvidiaGpu())) assert.match(error.message, /no NVIDIA GPU/);
      assert.match(error.message, /pip install vllm/);
      assert.match(error.message, /--vllm-url/);
      // GGUF models are unaffected.
      assert.equal(await chat(bare, "/engines/v1", NAMES.chatml), tiny.expected.chatReply);
    } finally {
      await bare.stop();
    }
  });
});
