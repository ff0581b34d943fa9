/**
 * The generated models in real llama.cpp (node-llama-cpp, CPU). Run with UV_THREADPOOL_SIZE=1 in the
 * environment, as every inference process is: `UV_THREADPOOL_SIZE=1 node --import tsx --test test/unit/tiny-models.test.ts`.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { getLlama, LlamaChat, LlamaChatSession, LlamaCompletion, type Llama, type LlamaModel } from "node-llama-cpp";
import { quantizationOf, formatParameterCount, parameterCount } from "../../host/gguf/quantization";
import { readGgufHeader } from "../../host/gguf/reader";
import { parseSplitPath, splitShardPaths } from "../../host/gguf/split";
import { GgmlType } from "../../host/gguf/types";
import { tinyModelGguf, writeGgufShards, writeSmolLm2ShapedModel, writeTinyModel } from "../fixtures/models";

const THREADS = 2;
let dir: string;
let llama: Llama;
const loaded: LlamaModel[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lmr-tiny-models-"));
  llama = await getLlama({ gpu: false, logLevel: "error" as never });
});
after(async () => {
  for (const model of loaded) await model.dispose();
  await llama.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function load(path: string): Promise<LlamaModel> {
  const model = await llama.loadModel({ modelPath: path });
  loaded.push(model);
  return model;
}

async function chat(model: LlamaModel, options: Parameters<LlamaChatSession["prompt"]>[1] = {}): Promise<string[]> {
  const context = await model.createContext({ threads: THREADS, contextSize: 256 });
  try {
    const session = new LlamaChatSession({ contextSequence: context.getSequence(), systemPrompt: "You are terse." });
    return [await session.prompt("Hi! Who are you?", options), await session.prompt("Tell me more, please.", options)];
  } finally {
    await context.dispose();
  }
}

/** Every sampler setting an OpenAI or llama.cpp client can send, at values that would derail a real model. */
const WILD_SAMPLING = {
  temperature: 2,
  seed: 12345,
  topK: 5,
  topP: 0.5,
  minP: 0.2,
  repeatPenalty: { penalty: 1.5, presencePenalty: 2, frequencyPenalty: 2, lastTokens: 64 },
};

describe("tiny models in llama.cpp", () => {
  for (const family of ["chatml", "llama3"] as const) {
    test(`chat through the model's own ${family} template answers exactly the recipe's reply, under any sampler`, async () => {
      const tiny = await writeTinyModel(dir, { chatTemplate: family, reply: `Hi, the ${family} family speaks.` });
      const model = await load(tiny.path);
      const expected = tiny.expected.chatReply;
      assert.equal(expected, `Hi, the ${family} family speaks.`);
      assert.deepEqual(await chat(model), [expected, expected], "greedy");
      assert.deepEqual(await chat(model, { temperature: 1, seed: 7 }), [expected, expected], "temperature 1 with a seed");
      assert.deepEqual(await chat(model, WILD_SAMPLING), [expected, expected], "temperature 2 with penalties");
    });
  }

  test("raw completion continues the prompt with the known text, and infill fills the known middle", async () => {
    const tiny = await writeTinyModel(dir, {
      fileName: "completion.gguf",
      completion: { prompt: "The quick brown fox", continuation: " jumps over the lazy dog." },
      infill: { middle: "console.log(value);" },
    });
    const model = await load(tiny.path);
    const context = await model.createContext({ threads: THREADS, contextSize: 256 });
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    assert.equal(await completion.generateCompletion(tiny.expected.completion.prompt), " jumps over the lazy dog.");
    assert.equal(await completion.generateCompletion(tiny.expected.completion.prompt, { maxTokens: 64, ...WILD_SAMPLING }), tiny.expected.completion.text);
    assert.equal(completion.infillSupported, true);
    assert.equal(await completion.generateInfillCompletion("function log(value) {\n  ", "\n}\n"), "console.log(value);");
    assert.equal(await completion.generateInfillCompletion("x", "y", WILD_SAMPLING), tiny.expected.infillMiddle);
    await context.dispose();
  });

  test("a model made without FIM tokens has no infill", async () => {
    const tiny = await writeTinyModel(dir, { infill: false });
    assert.equal(tiny.expected.infillMiddle, undefined);
    const model = await load(tiny.path);
    assert.equal(model.tokens.infill.prefix, null);
    const context = await model.createContext({ threads: THREADS, contextSize: 256 });
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    assert.equal(completion.infillSupported, false);
    await assert.rejects(completion.generateInfillCompletion("a", "b"), /not supported/);
    await context.dispose();
  });

  test("the Qwen2.5 tools model answers with a tool call that node-llama-cpp parses", async () => {
    const call = { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } };
    // Most of this vocabulary is bytes, so the tools section of the system prompt takes about a token a character.
    const tiny = await writeTinyModel(dir, { chatTemplate: "qwen2.5-tools", toolCall: call, contextLength: 2048 });
    const model = await load(tiny.path);
    const context = await model.createContext({ threads: THREADS, contextSize: 2048 });
    const functions = {
      get_weather: {
        description: "The weather in a city",
        params: { type: "object", properties: { city: { type: "string" }, unit: { enum: ["celsius", "fahrenheit"] } } },
      },
    } as const;
    const sequence = context.getSequence();
    for (const sampling of [{}, { temperature: 1, seed: 3 }]) {
      const llamaChat = new LlamaChat({ contextSequence: sequence });
      const response = await llamaChat.generateResponse([{ type: "user", text: "Weather in Paris?" }, { type: "model", response: [] }], {
        functions,
        ...sampling,
      });
      assert.deepEqual(
        response.functionCalls?.map(({ functionName, params }) => ({ name: functionName, arguments: params })),
        [tiny.expected.toolCall],
      );
      llamaChat.dispose({ disposeSequence: false });
    }
    await context.dispose();
    // Without tools on offer, the call is plain text.
    assert.deepEqual(await chat(model), [tiny.expected.chatReply, tiny.expected.chatReply]);
    assert.match(tiny.expected.chatReply, /^<tool_call>\n\{"name": "get_weather", "arguments": \{"city": "Paris", "unit": "celsius"\}\}\n<\/tool_call>$/);
  });

  test("embeddings have the model's width, and the context length is the recipe's", async () => {
    const tiny = await writeTinyModel(dir, { fileName: "embeddings.gguf", contextLength: 256 });
    const model = await load(tiny.path);
    assert.equal(model.trainContextSize, 256);
    const context = await model.createEmbeddingContext({ threads: THREADS, contextSize: 256 });
    const embedding = await context.getEmbeddingFor("Some text to embed.");
    assert.equal(embedding.vector.length, tiny.expected.embeddingLength);
    assert.ok(embedding.vector.every(Number.isFinite));
    await context.dispose();
  });

  for (const weightType of [GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0] as const) {
    test(`weights written as ${GgmlType[weightType]} decode in llama.cpp to the same answers`, async () => {
      const tiny = await writeTinyModel(dir, { fileName: `tiny-${GgmlType[weightType]}.gguf`, weightType, layers: 1 });
      const header = await readGgufHeader(tiny.path);
      assert.equal(quantizationOf(header), tiny.expected.quantization);
      assert.equal(formatParameterCount(parameterCount(header.tensors)), tiny.expected.parameters);
      const model = await load(tiny.path);
      assert.deepEqual(await chat(model), [tiny.expected.chatReply, tiny.expected.chatReply]);
    });
  }

  test("a model split into shards loads from its first shard", async () => {
    const { gguf, expected } = tinyModelGguf({ reply: "Shards are fine." });
    const paths = await writeGgufShards(join(dir, "split-model"), gguf, 3);
    assert.deepEqual(
      paths.map((path) => path.slice(dir.length + 1)),
      ["split-model-00001-of-00003.gguf", "split-model-00002-of-00003.gguf", "split-model-00003-of-00003.gguf"],
    );
    assert.deepEqual(splitShardPaths(paths[0]!), paths);
    assert.deepEqual(parseSplitPath(paths[1]!), { prefix: join(dir, "split-model"), index: 1, count: 3 });
    const headers = await Promise.all(paths.map((path) => readGgufHeader(path)));
    assert.deepEqual(
      headers.map((header) => [header.metadata["split.no"], header.metadata["split.count"], header.metadata["split.tensors.count"]]),
      [[0, 3, gguf.tensors.length], [1, 3, gguf.tensors.length], [2, 3, gguf.tensors.length]],
    );
    assert.equal(headers.reduce((count, header) => count + header.tensors.length, 0), gguf.tensors.length);

    const model = await load(paths[0]!);
    assert.deepEqual(await chat(model), [expected.chatReply, expected.chatReply]);
  });

  test("the SmolLM2-shaped Q8_0 model runs and stays finite", async () => {
    const smol = await writeSmolLm2ShapedModel(dir, { weightType: GgmlType.Q8_0 });
    assert.equal(smol.expected.parameters, "134.52M");
    const header = await readGgufHeader(smol.path);
    assert.equal(quantizationOf(header), "Q8_0");
    assert.equal(formatParameterCount(parameterCount(header.tensors)), "134.52M");

    const model = await load(smol.path);
    assert.equal(model.trainContextSize, 8192);
    const context = await model.createContext({ threads: THREADS, contextSize: 256 });
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    let tokens = 0;
    await completion.generateCompletion("The weather today is", { maxTokens: 8, temperature: 0, onToken: (chunk) => (tokens += chunk.length) });
    assert.equal(tokens, 8);
    await context.dispose();

    const embeddings = await model.createEmbeddingContext({ threads: THREADS, contextSize: 256 });
    const { vector } = await embeddings.getEmbeddingFor("The weather today is sunny.");
    assert.equal(vector.length, 576);
    assert.ok(vector.every(Number.isFinite), "no NaN or infinity in the hidden state");
    await embeddings.dispose();
  });
});

