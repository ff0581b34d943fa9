import { getLlama, LlamaLogLevel, type LlamaModel, type Token } from "node-llama-cpp";

/** Prompts for one contender, each used once so that no engine can answer one from its cache. */
export interface Prompts {
  short: string[];
  long: string[];
  /**
   * Tokens that are no text by themselves: control tokens and the bytes of multi-byte UTF-8. The random
   * model would pick them as readily as words, and then a stream carries no text to time the first
   * token by (llama-server even refuses a reply that ends in half a character), so every contender
   * bans the same ones.
   */
  textlessTokens: number[];
}

/**
 * Text prompts that tokenize to exactly `shortTokens` and `longTokens` tokens (BOS included) with the
 * model's own tokenizer, which llama-server, node-llama-cpp and our runner share. Every prompt starts
 * with a word of its own and goes on with one filler word: a cached prefix is then at most the BOS,
 * in every engine alike. The servers report the count they saw, and the benchmark checks it.
 */
export async function buildPrompts(modelPath: string, { count, shortTokens, longTokens }: { count: number; shortTokens: number; longTokens: number }): Promise<Prompts> {
  const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
  try {
    const model = await llama.loadModel({ modelPath, vocabOnly: true });
    const bos = model.tokens.bos != null && model.fileInfo.metadata.tokenizer?.ggml?.add_bos_token !== false ? 1 : 0;
    const [filler, ...leads] = singleTokenWords(model, 2 * count + 1);
    const prompt = (lead: string, tokens: number) => {
      const text = lead + filler!.repeat(tokens - bos - 1);
      const actual = model.tokenize(text, false).length + bos;
      if (actual !== tokens) throw new Error(`a prompt meant to be ${tokens} tokens long tokenizes to ${actual}`);
      return text;
    };
    return {
      short: leads.slice(0, count).map((lead) => prompt(lead, shortTokens)),
      long: leads.slice(count).map((lead) => prompt(lead, longTokens)),
      textlessTokens: textlessTokens(model),
    };
  } finally {
    await llama.dispose();
  }
}

/** Words (a space and letters) that are one token each, however often they repeat. */
function singleTokenWords(model: LlamaModel, wanted: number): string[] {
  const words: string[] = [];
  for (let id = 0; id < vocabularySize(model) && words.length < wanted; id++) {
    const text = model.detokenize([id as Token]);
    if (!/^ [a-z]{2,}$/.test(text)) continue;
    const repeated = model.tokenize(text.repeat(3), false);
    if (repeated.length === 3 && repeated.every((token) => token === id)) words.push(text);
  }
  if (words.length < wanted) throw new Error(`the model's vocabulary has ${words.length} single-token words; the benchmark needs ${wanted}`);
  return words;
}

function textlessTokens(model: LlamaModel): number[] {
  const tokens: number[] = [];
  for (let id = 0; id < vocabularySize(model); id++) {
    const text = model.detokenize([id as Token]);
    if (text === "" || text.includes("\uFFFD")) tokens.push(id);
  }
  return tokens;
}

function vocabularySize(model: LlamaModel): number {
  return model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;
}
