import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { APIError } from "openai";
import { writeTinyModel, type TinyModel } from "../fixtures/model-tiny";
import { startHost, type TestHost } from "../helpers/host";
import { NAMES, packageModels, startHostWithModels, type TestModels } from "../helpers/models";

/** The name the remote server lists and answers to. */
const REMOTE_MODEL = `${NAMES.chatml}:latest`;
const API_KEY = "remote-secret";

interface Listed {
  id: string;
  engine?: string;
}

async function listModels(host: TestHost): Promise<Listed[]> {
  return ((await (await fetch(`${host.url}/v1/models`)).json()) as { data: Listed[] }).data;
}

async function streamedChat(host: TestHost, prefix: string) {
  const stream = await host.openai(prefix).chat.completions.create({
    model: REMOTE_MODEL,
    messages: [{ role: "user", content: "Hello, remote." }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const deltas: string[] = [];
  let finish: string | null = null;
  let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = { prompt_tokens: chunk.usage.prompt_tokens, completion_tokens: chunk.usage.completion_tokens };
  }
  return { deltas, finish, usage };
}

describe("vLLM attached by URL (a second host on loopback plays the remote server)", () => {
  let work: string;
  let tiny: TinyModel;
  let remoteStore: string;
  let remote: TestHost;
  let local: TestHost;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "lmr-vllm-attach-"));
    tiny = await writeTinyModel(work, { chatTemplate: "chatml" });
    remoteStore = path.join(work, "remote-store");
    await packageModels(remoteStore, { chatml: tiny });
    remote = await startHost({ modelsPath: remoteStore });
    local = await startHost({ args: ["--vllm-url", remote.url] });
  });
  after(async () => {
    await local?.stop();
    await remote?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it("lists the remote's models in /v1/models as vllm's, and in lmr ls --remote", async () => {
    assert.deepEqual(
      (await listModels(local)).map((model) => [model.id, model.engine]),
      [[REMOTE_MODEL, "vllm"]],
    );
    const ls = await local.lmr(["ls", "--remote"]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(`^${REMOTE_MODEL}\\s+vllm\\s`, "m"));
    assert.doesNotMatch((await local.lmr(["ls"])).stdout, new RegExp(REMOTE_MODEL), "the store itself stays empty");
  });

  it("passes answers through unchanged, streamed and not, on every prefix that reaches vllm", async () => {
    const direct = await streamedChat(remote, "/v1");
    for (const prefix of ["/v1", "/engines/v1", "/engines/vllm/v1"]) {
      assert.deepEqual(await streamedChat(local, prefix), direct, prefix);
      const completion = await local.openai(prefix).chat.completions.create({ model: REMOTE_MODEL, messages: [{ role: "user", content: "Hello, remote." }] });
      assert.equal(completion.choices[0]!.message.content, tiny.expected.chatReply);
      assert.equal(completion.model, REMOTE_MODEL);
    }
    assert.equal(direct.deltas.join(""), tiny.expected.chatReply);
  });

  it("answers 503 naming the URL while the remote is down, and serves again once it is back on the same port", async () => {
    const port = new URL(remote.url).port;
    assert.match((await local.lmr(["status"])).stdout, /^vllm: Running: \S+/m);
    await remote.stop();

    const error = await local
      .openai()
      .chat.completions.create({ model: REMOTE_MODEL, messages: [{ role: "user", content: "Anyone there?" }] })
      .then(
        () => assert.fail("a request succeeded with the remote down"),
        (error: unknown) => error,
      );
    assert.ok(error instanceof APIError);
    assert.equal(error.status, 503);
    assert.ok(error.message.includes(remote.url), `${error.message} names ${remote.url}`);
    const down = await local.lmr(["status"]);
    assert.match(down.stdout, new RegExp(`^vllm: Error: .*${remote.url}.* does not answer`, "m"));

    remote = await startHost({ modelsPath: remoteStore, args: ["--port", port] });
    assert.equal(remote.url, `http://127.0.0.1:${port}`);
    assert.equal((await streamedChat(local, "/engines/v1")).deltas.join(""), tiny.expected.chatReply);
    assert.match((await local.lmr(["status"])).stdout, /^vllm: Running: \S+/m);
  });
});

describe("vLLM attached with an API key", () => {
  let remote: TestHost;
  let models: TestModels;

  before(async () => {
    ({ host: remote, models } = await startHostWithModels(["chatml"], { args: ["--api-key", API_KEY] }));
  });
  after(() => remote?.stop());

  it("sends the key with every request, and reports the remote down without it", async () => {
    const keyed = await startHost({ args: ["--vllm-url", remote.url, "--vllm-api-key", API_KEY] });
    try {
      assert.deepEqual((await listModels(keyed)).map((model) => model.id), [REMOTE_MODEL]);
      assert.equal((await streamedChat(keyed, "/engines/vllm/v1")).deltas.join(""), models.chatml.expected.chatReply);
      assert.match((await keyed.lmr(["status"])).stdout, /^vllm: Running: /m);
    } finally {
      await keyed.stop();
    }

    const keyless = await startHost({ args: ["--vllm-url", remote.url] });
    try {
      assert.deepEqual(await listModels(keyless), []);
      assert.match((await keyless.lmr(["status"])).stdout, /^vllm: Error: /m);
    } finally {
      await keyless.stop();
    }
  });
});
