import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TestHost } from "../helpers/host";
import { NAMES, startHostWithModels, type TestModels } from "../helpers/models";

describe("chat completions through the official openai client", () => {
  let host: TestHost;
  let models: TestModels;

  before(async () => {
    ({ host, models } = await startHostWithModels(["chatml", "llama3", "tools"]));
  });
  after(async () => {
    await host?.stop();
  });

  for (const prefix of ["/engines/v1", "/v1", "/engines/llama.cpp/v1"]) {
    it(`answers with the model's known reply on ${prefix}`, async () => {
      const completion = await host.openai(prefix).chat.completions.create({
        model: NAMES.chatml,
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "Say hello." },
        ],
      });
      assert.equal(completion.choices[0]!.message.content, models.chatml.expected.chatReply);
      assert.equal(completion.choices[0]!.finish_reason, "stop");
      assert.equal(completion.model, `${NAMES.chatml}:latest`);
      assert.ok(completion.usage!.prompt_tokens > 5);
      assert.ok(completion.usage!.completion_tokens > 0);
    });
  }

  it("streams the same reply, then usage when asked", async () => {
    const stream = await host.openai().chat.completions.create({
      model: NAMES.chatml,
      messages: [{ role: "user", content: "Stream, please." }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: { completion_tokens: number } | undefined;
    let contentChunks = 0;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) {
        text += choice.delta.content;
        contentChunks++;
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, models.chatml.expected.chatReply);
    assert.ok(contentChunks > 1, "the reply arrives in several chunks");
    assert.equal(finish, "stop");
    assert.ok(usage && usage.completion_tokens > 0);
  });

  it("chats through a second template family (Llama 3)", async () => {
    const completion = await host.openai().chat.completions.create({ model: NAMES.llama3, messages: [{ role: "user", content: "Hi" }] });
    assert.equal(completion.choices[0]!.message.content, models.llama3.expected.chatReply);
  });

  it("gives the same reply under any sampler settings", async () => {
    const completion = await host.openai().chat.completions.create({
      model: NAMES.chatml,
      messages: [{ role: "user", content: "Be creative." }],
      temperature: 1.8,
      top_p: 0.9,
      seed: 42,
      presence_penalty: 1.5,
      frequency_penalty: 1.5,
      // @ts-expect-error llama.cpp's sampling extras, which the API accepts
      top_k: 20,
      min_p: 0.05,
    });
    assert.equal(completion.choices[0]!.message.content, models.chatml.expected.chatReply);
  });

  it("stops at max_tokens with finish_reason length", async () => {
    const completion = await host.openai().chat.completions.create({ model: NAMES.chatml, messages: [{ role: "user", content: "Hi" }], max_tokens: 2 });
    assert.equal(completion.choices[0]!.finish_reason, "length");
    assert.equal(completion.usage!.completion_tokens, 2);
    assert.ok(models.chatml.expected.chatReply.startsWith(completion.choices[0]!.message.content!));
  });

  it("stops at a stop sequence without including it", async () => {
    const reply = models.chatml.expected.chatReply;
    const stopWord = reply.split(" ")[2]!;
    const completion = await host.openai().chat.completions.create({ model: NAMES.chatml, messages: [{ role: "user", content: "Hi" }], stop: [stopWord] });
    assert.equal(completion.choices[0]!.message.content, reply.slice(0, reply.indexOf(stopWord)));
  });

  it("enforces a JSON schema with a grammar", async () => {
    const completion = await host.openai().chat.completions.create({
      model: NAMES.chatml,
      messages: [{ role: "user", content: "Pick a color." }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "color", schema: { type: "object", properties: { color: { enum: ["red", "green"] } }, required: ["color"] } },
      },
      max_tokens: 64,
    });
    const parsed = JSON.parse(completion.choices[0]!.message.content!) as { color: string };
    assert.ok(["red", "green"].includes(parsed.color));
  });

  it("returns the model's tool call as tool_calls", async () => {
    const tools = [
      {
        type: "function" as const,
        function: { name: "get_weather", description: "Weather of a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      },
    ];
    const completion = await host.openai().chat.completions.create({ model: NAMES.tools, messages: [{ role: "user", content: "Weather in Paris?" }], tools });
    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, "tool_calls");
    const call = choice.message.tool_calls![0]!;
    assert.equal(call.type, "function");
    assert.equal(call.type === "function" && call.function.name, models.tools.expected.toolCall!.name);
    assert.deepEqual(call.type === "function" && JSON.parse(call.function.arguments), models.tools.expected.toolCall!.arguments);

    // The tool's result goes back as a `tool` message answering the call by its id.
    const followUp = await host.openai().chat.completions.create({
      model: NAMES.tools,
      messages: [{ role: "user", content: "Weather in Paris?" }, choice.message, { role: "tool", tool_call_id: call.id, content: "sunny" }],
      tools,
    });
    assert.ok(followUp.choices[0]!.finish_reason);
  });

  it("reuses the cached prefix of the previous turn", async () => {
    const messages = [
      { role: "system" as const, content: "A long shared system prompt. ".repeat(10) },
      { role: "user" as const, content: "First question" },
    ];
    const first = await host.openai().chat.completions.create({ model: NAMES.chatml, messages });
    const second = await host.openai().chat.completions.create({
      model: NAMES.chatml,
      messages: [...messages, { role: "assistant", content: first.choices[0]!.message.content! }, { role: "user", content: "Second question" }],
    });
    const cached = second.usage!.prompt_tokens_details!.cached_tokens!;
    assert.ok(cached >= first.usage!.prompt_tokens - 1, `cached ${cached} of the ${first.usage!.prompt_tokens} tokens the first turn evaluated`);

    // llama.cpp server's cache_prompt: false evaluates the whole conversation again.
    const withoutCache = { model: NAMES.chatml, messages, cache_prompt: false };
    const uncached = await host.openai().chat.completions.create(withoutCache);
    assert.equal(uncached.usage!.prompt_tokens_details!.cached_tokens, 0);
  });
});
