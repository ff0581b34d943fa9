import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import type { TestHost } from "../helpers/host";
import { NAMES, startHostWithModels, type TestModels } from "../helpers/models";

describe("completions, fill-in-the-middle and embeddings", () => {
  let host: TestHost;
  let models: TestModels;

  before(async () => {
    ({ host, models } = await startHostWithModels(["chatml", "noFim"]));
  });
  after(async () => {
    await host?.stop();
  });

  it("continues a raw prompt with the known text", async () => {
    const { prompt, text } = models.chatml.expected.completion;
    const completion = await host.openai().completions.create({ model: NAMES.chatml, prompt, max_tokens: 32 });
    assert.equal(completion.choices[0]!.text, text);
    assert.equal(completion.choices[0]!.finish_reason, "stop");
  });

  it("reuses the cached prompt of an earlier completion that this one extends", async () => {
    const base = "A shared preamble that an editor sends with every request. ".repeat(4);
    const first = await host.openai().completions.create({ model: NAMES.chatml, prompt: base, max_tokens: 4 });
    const second = await host.openai().completions.create({ model: NAMES.chatml, prompt: `${base}And one more line.`, max_tokens: 4 });
    const cached = (second.usage as { prompt_tokens_details?: { cached_tokens: number } }).prompt_tokens_details!.cached_tokens;
    assert.ok(cached >= first.usage!.prompt_tokens - 1, `cached ${cached} of the ${first.usage!.prompt_tokens} tokens the first prompt had`);
  });

  it("streams a completion and echoes the prompt when asked", async () => {
    const { prompt, text } = models.chatml.expected.completion;
    const stream = await host.openai().completions.create({ model: NAMES.chatml, prompt, stream: true, echo: true });
    let streamed = "";
    for await (const chunk of stream) streamed += chunk.choices[0]?.text ?? "";
    assert.equal(streamed, prompt + text);
  });

  it("reports each token's log probability and the likeliest others, streamed and not", async () => {
    const { prompt, text } = models.chatml.expected.completion;
    const completion = await host.openai().completions.create({ model: NAMES.chatml, prompt, max_tokens: 32, temperature: 0, logprobs: 2 });
    const choice = completion.choices[0]!;
    assert.equal(choice.text, text);
    const logprobs = choice.logprobs!;
    assert.equal(logprobs.tokens!.join(""), text);
    // The model gives each token's successor a logit 100 above every other token's: certain, and the
    // runner-up 100 nats behind.
    for (const [i, logprob] of logprobs.token_logprobs!.entries()) {
      assert.ok(Math.abs(logprob) < 1e-3, `token ${i} has log probability ${logprob}`);
      const top = Object.entries(logprobs.top_logprobs![i]!);
      assert.equal(top.length, 2);
      assert.equal(top[0]![0], logprobs.tokens![i]);
      assert.ok(Math.abs(top[1]![1] + 100) < 0.5, `the runner-up of token ${i} has log probability ${top[1]![1]}`);
    }
    let at = prompt.length;
    assert.deepEqual(logprobs.text_offset, logprobs.tokens!.map((token) => ((at += token.length), at - token.length)));

    const stream = await host.openai().completions.create({ model: NAMES.chatml, prompt, max_tokens: 32, temperature: 0, logprobs: 2, stream: true });
    const streamed: string[] = [];
    for await (const chunk of stream) streamed.push(...(chunk.choices[0]?.logprobs?.tokens ?? []));
    assert.deepEqual(streamed, logprobs.tokens);

    const stop = text.split(" ").slice(2, 3).join(" ");
    const stopped = await host.openai().completions.create({ model: NAMES.chatml, prompt, max_tokens: 32, temperature: 0, logprobs: 1, stop: [stop] });
    assert.equal(stopped.choices[0]!.text, text.slice(0, text.indexOf(stop)));
    assert.equal(stopped.choices[0]!.finish_reason, "stop");
    assert.ok(stopped.choices[0]!.logprobs!.tokens!.join("").startsWith(stopped.choices[0]!.text));
  });

  it("fills in the middle through completions' suffix", async () => {
    const completion = await host.openai().completions.create({ model: NAMES.chatml, prompt: "function add(x, y) {\n  ", suffix: "\n}\n", max_tokens: 16 });
    assert.equal(completion.choices[0]!.text, models.chatml.expected.infillMiddle);
  });

  it("serves llama.cpp's /infill for editor plugins", async () => {
    const response = await fetch(`${host.url}/infill`, {
      method: "POST",
      body: JSON.stringify({
        model: NAMES.chatml,
        input_prefix: "function add(x, y) {\n  ",
        input_suffix: "\n}\n",
        input_extra: [{ filename: "util.js", text: "export const one = 1;" }],
        n_predict: 16,
      }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { content: string; stop: boolean; tokens_predicted: number };
    assert.equal(body.content, models.chatml.expected.infillMiddle);
    assert.equal(body.stop, true);
    assert.ok(body.tokens_predicted > 0);
  });

  it("refuses fill-in-the-middle on a model without FIM tokens with a 400 that says so", async () => {
    await assert.rejects(
      host.openai().completions.create({ model: NAMES.noFim, prompt: "a", suffix: "b" }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, String(error));
        assert.equal(error.status, 400);
        assert.equal(error.code, "fim_not_supported");
        assert.match(error.message, /fill-in-the-middle/);
        return true;
      },
    );
  });

  it("embeds a string and an array, as floats and as base64", async () => {
    const single = await host.openai().embeddings.create({ model: NAMES.chatml, input: "hello world", encoding_format: "float" });
    assert.equal(single.data.length, 1);
    assert.equal(single.data[0]!.embedding.length, models.chatml.expected.embeddingLength);
    assert.ok(single.usage.prompt_tokens > 0);

    const several = await host.openai().embeddings.create({ model: NAMES.chatml, input: ["one", "two", "three"] });
    assert.deepEqual(several.data.map((d) => d.index), [0, 1, 2]);
    assert.ok(several.data.every((d) => d.embedding.length === models.chatml.expected.embeddingLength));

    // The official client asks for base64 by default and decodes it; check the raw wire form too.
    const raw = await fetch(`${host.url}/v1/embeddings`, { method: "POST", body: JSON.stringify({ model: NAMES.chatml, input: "hello world", encoding_format: "base64" }) });
    const body = (await raw.json()) as { data: { embedding: string }[] };
    const floats = new Float32Array(new Uint8Array(Buffer.from(body.data[0]!.embedding, "base64")).buffer);
    assert.deepEqual([...floats], single.data[0]!.embedding);
  });
});
