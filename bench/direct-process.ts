/**
 * node-llama-cpp called directly, as an application embedding it would: one context, greedy
 * `sequence.evaluate`, no HTTP and no IPC per token. A process of its own so that it starts with
 * UV_THREADPOOL_SIZE=1 (see bench/direct.ts) and runs nothing else.
 */
import { getLlama, LlamaLogLevel, TokenBias, type LlamaContextSequence, type LlamaModel, type Token } from "node-llama-cpp";
import { localBuildCmakeOptions } from "../host/engines/llamacpp/local-build";
import { sharedPrefixLength } from "../host/engines/llamacpp/runner/sequence-pool";
import { ToDirectSchema, type FromDirect, type ToDirect } from "./direct-protocol";
import type { Sample } from "./measure";

let loaded: { model: LlamaModel; sequence: LlamaContextSequence } | undefined;

process.on("message", (raw) => {
  handle(ToDirectSchema.parse(raw)).then(send, (error: unknown) => send({ type: "failed", message: error instanceof Error ? error.message : String(error) }));
});
process.on("disconnect", () => process.exit(0));

async function handle(message: ToDirect): Promise<FromDirect> {
  switch (message.type) {
    case "load": {
      // The llama.cpp our runners load: the one built here when there is one.
      const llama = await getLlama({ gpu: false, maxThreads: message.threads, cmakeOptions: await localBuildCmakeOptions(), logLevel: LlamaLogLevel.warn });
      const model = await llama.loadModel({ modelPath: message.modelPath, gpuLayers: 0 });
      const context = await model.createContext({ contextSize: message.contextSize, sequences: message.sequences, threads: message.threads });
      loaded = { model, sequence: context.getSequence() };
      return { type: "loaded" };
    }
    case "complete":
      if (!loaded) throw new Error("a completion was asked for before the model was loaded");
      return { type: "sample", sample: await complete(loaded.model, loaded.sequence, message) };
  }
}

async function complete(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  { prompt, maxTokens, bannedTokens }: Extract<ToDirect, { type: "complete" }>,
): Promise<Sample> {
  const tokenBias = new TokenBias(model.tokenizer);
  for (const token of bannedTokens) tokenBias.set(token as Token, "never");
  const tokens: Token[] = model.tokenize(prompt, false);
  // As llama.cpp's server and our runner do: BOS first unless the model says not to add one.
  if (model.tokens.bos != null && model.fileInfo.metadata.tokenizer?.ggml?.add_bos_token !== false) tokens.unshift(model.tokens.bos);
  // And as they do, keep what the sequence already holds of this prompt (the BOS, for the benchmark's prompts) and
  // evaluate the rest, at least the last token. It is not the same work: the 511 tokens after a kept BOS took 2 %
  // longer here than all 512 on a cleared sequence (30 interleaved rounds in one process, the KV cells the same).
  const cached = Math.min(sharedPrefixLength(sequence.contextTokens, tokens), tokens.length - 1);
  await sequence.eraseContextTokenRanges([{ start: cached, end: sequence.nextTokenIndex }]);
  const start = performance.now();
  let firstAt: number | undefined;
  let endAt = start;
  let generated = 0;
  // yieldEogToken keeps the generator going past end-of-sequence, as `ignore_eos` does for the servers.
  for await (const _token of sequence.evaluate(tokens.slice(cached), { temperature: 0, tokenBias, yieldEogToken: true })) {
    firstAt ??= performance.now();
    if (++generated === maxTokens) {
      endAt = performance.now();
      break;
    }
  }
  if (firstAt === undefined) throw new Error("node-llama-cpp generated no token");
  return { promptTokens: tokens.length, evaluatedTokens: tokens.length - cached, completionTokens: generated, ttftMs: firstAt - start, generationMs: endAt - firstAt };
}

function send(message: FromDirect): void {
  process.send!(message);
}
