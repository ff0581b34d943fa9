import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import type { TestHost } from "../helpers/host";
import { NAMES, startHostWithModels, type TestModels } from "../helpers/models";

interface PsEntry {
  model_name: string;
  context_size: number | null;
  in_use: boolean;
}

async function ps(host: TestHost): Promise<PsEntry[]> {
  return (await (await fetch(`${host.url}/engines/ps`)).json()) as PsEntry[];
}

async function configure(host: TestHost, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${host.url}/engines/_configure`, { method: "POST", body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.text());
}

describe("scheduling: configure, keep-alive, memory and parallel requests", () => {
  let host: TestHost;
  let models: TestModels;

  before(async () => {
    ({ host, models } = await startHostWithModels(["chatml", "llama3"]));
  });
  after(async () => {
    await host?.stop();
  });

  it("applies a configured context size at the next request: a prompt too long for the old one fits", async () => {
    const prompt = "x ".repeat(300);
    const ask = () => host.openai().chat.completions.create({ model: NAMES.chatml, messages: [{ role: "user", content: prompt }] });

    await configure(host, { model: NAMES.chatml, "context-size": 256 });
    await assert.rejects(ask(), (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === "context_length_exceeded");
    assert.equal((await ps(host)).find((e) => e.model_name === `${NAMES.chatml}:latest`)?.context_size, 256);

    await configure(host, { model: NAMES.chatml, "context-size": 2048 });
    const completion = await ask();
    assert.equal(completion.choices[0]!.message.content, models.chatml.expected.chatReply);
    assert.ok(completion.usage!.prompt_tokens > 256, "the prompt really is longer than the old context");
    assert.equal((await ps(host)).find((e) => e.model_name === `${NAMES.chatml}:latest`)?.context_size, 2048);
    const listed = await host.openai().models.retrieve(NAMES.chatml);
    assert.equal((listed as unknown as { context_window: number }).context_window, 2048);
  });

  it("serves 8 streaming requests at once, each with the exact reply", async () => {
    const replies = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const model = i % 2 === 0 ? NAMES.chatml : NAMES.llama3;
        const stream = await host.openai().chat.completions.create({ model, messages: [{ role: "user", content: `request ${i}` }], stream: true });
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
        return { model, text };
      }),
    );
    for (const { model, text } of replies) assert.equal(text, model === NAMES.chatml ? models.chatml.expected.chatReply : models.llama3.expected.chatReply);
  });

  it("unloads a model when its keep-alive runs out", async () => {
    await configure(host, { model: NAMES.llama3, keep_alive: "1s" });
    await host.openai().chat.completions.create({ model: NAMES.llama3, messages: [{ role: "user", content: "hi" }] });
    assert.ok((await ps(host)).some((e) => e.model_name === `${NAMES.llama3}:latest`), "loaded right after the request");
    let loaded = true;
    for (let i = 0; i < 100 && loaded; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      loaded = (await ps(host)).some((e) => e.model_name === `${NAMES.llama3}:latest`);
    }
    assert.equal(loaded, false, "unloaded within 10 s of a 1 s keep-alive");
  });
});

describe("a memory budget too small for the model", () => {
  let host: TestHost;

  before(async () => {
    ({ host } = await startHostWithModels(["chatml"], { args: ["--memory-budget", "1MiB"] }));
  });
  after(async () => {
    await host?.stop();
  });

  it("refuses to load it, with the numbers and the fix, and keeps serving", async () => {
    await assert.rejects(host.openai().chat.completions.create({ model: NAMES.chatml, messages: [{ role: "user", content: "hi" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.code, "insufficient_memory");
      assert.match(error.message, /needs \d+\.\d+ GiB at context \d+ \(weights .* KV cache .*\), but .* of the 0\.00 GiB memory budget is free/);
      assert.match(error.message, /smaller quantization/);
      assert.match(error.message, /lmr configure --context-size/);
      return true;
    });
    assert.deepEqual(await ps(host), [], "nothing was loaded");
    assert.equal((await fetch(`${host.url}/`)).status, 200);
  });
});
