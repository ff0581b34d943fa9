import { z } from "zod";
import type { CompletionRequest } from "./contender";

/** One timed request: what a user of the API sees, measured on the client's clock. */
export const SampleSchema = z.object({
  /** The prompt's tokens, BOS included. */
  promptTokens: z.number().int(),
  /** Prompt tokens the engine evaluated (the rest came from its cache). */
  evaluatedTokens: z.number().int(),
  completionTokens: z.number().int(),
  /** From sending the request to the first generated text. */
  ttftMs: z.number(),
  /** From the first generated text to the end of the generation. */
  generationMs: z.number(),
});
export type Sample = z.infer<typeof SampleSchema>;

/**
 * The figures of one contender, each the median (or the best) over the repetitions; undefined for one the run did
 * not measure (`--prompt-only` sends no short prompt and generates a single token).
 */
export interface Figures {
  promptTokensPerSecond: number | undefined;
  generationAfterShortTokensPerSecond: number | undefined;
  generationAfterLongTokensPerSecond: number | undefined;
  ttftShortMs: number | undefined;
  ttftLongMs: number | undefined;
}

/**
 * `median`: what a user of this machine sees. `best`: the fastest repetition of each figure, which bursts of
 * other load on a shared machine (seen here: a second with every decode taking twice as long) cannot touch,
 * so it is the code's own speed. Both are taken of every contender alike.
 */
export type Statistic = "median" | "best";

export function summarize(samples: { short: readonly Sample[]; long: readonly Sample[] }, statistic: Statistic = "median"): Figures {
  const of = (pick: (values: readonly number[]) => number) => (values: readonly number[]) => (values.length > 0 ? pick(values) : undefined);
  const speed = of(statistic === "median" ? median : (values) => Math.max(...values));
  const latency = of(statistic === "median" ? median : (values) => Math.min(...values));
  return {
    promptTokensPerSecond: speed(samples.long.map((s) => s.evaluatedTokens / (s.ttftMs / 1000))),
    generationAfterShortTokensPerSecond: speed(samples.short.flatMap(generationRate)),
    generationAfterLongTokensPerSecond: speed(samples.long.flatMap(generationRate)),
    ttftShortMs: latency(samples.short.map((s) => s.ttftMs)),
    ttftLongMs: latency(samples.long.map((s) => s.ttftMs)),
  };
}

/** The first token comes with the prompt, so the generation window holds the tokens after it: none after one token. */
function generationRate(sample: Sample): number[] {
  return sample.completionTokens > 1 ? [(sample.completionTokens - 1) / (sample.generationMs / 1000)] : [];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Where the median of what was measured could lie: the k-th smallest and k-th largest of the values, with the
 * largest k for which the true median falls between them with at least `confidence` (from the binomial
 * distribution, which needs no assumption about the noise's shape: on these machines it comes in one-sided
 * bursts). With too few values for that confidence, the smallest and the largest.
 */
export function medianInterval(values: readonly number[], confidence = 0.9): { low: number; high: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  // P(B <= j) for B ~ Binomial(n, 1/2), summed term by term.
  let term = 0.5 ** n;
  let below = 0;
  let k = 1;
  for (let j = 0; 2 * (j + 1) <= n; j++) {
    below += term;
    term *= (n - j) / (j + 1);
    // [x(j+2), x(n-j-1)] (1-based) misses the median when at most j+1 values lie below it, or above.
    if (1 - 2 * (below + term) < confidence) break;
    k = j + 2;
  }
  return { low: sorted[k - 1]!, high: sorted[n - k]! };
}

/**
 * The stream chunk fields the benchmark reads, in the shape both llama-server and our host send
 * for `/v1/completions`: text per chunk, then `usage` and llama.cpp's `timings` at the end.
 */
const CompletionChunkSchema = z.object({
  choices: z.array(z.object({ text: z.string().nullish(), finish_reason: z.string().nullish() })).default([]),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish(),
  timings: z.object({ prompt_n: z.number(), predicted_n: z.number() }).nullish(),
});

/**
 * Sends a streaming OpenAI completion with greedy sampling and EOS ignored (llama.cpp server's
 * `ignore_eos`, which our API accepts too), so every contender generates exactly `maxTokens`.
 */
export async function streamCompletion(endpoint: string, model: string, { prompt, maxTokens, bannedTokens, cachePrompt = true }: CompletionRequest): Promise<Sample> {
  const body = {
    model,
    prompt,
    max_tokens: maxTokens,
    temperature: 0,
    ignore_eos: true,
    // OpenAI's "never pick this token".
    logit_bias: Object.fromEntries(bannedTokens.map((token) => [token, -100])),
    cache_prompt: cachePrompt,
    stream: true,
    stream_options: { include_usage: true },
  };
  const start = performance.now();
  const response = await fetch(endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok || !response.body) throw new Error(`${endpoint} answered ${response.status}: ${await response.text()}`);
  let firstTextAt: number | undefined;
  let endAt: number | undefined;
  let usage: z.infer<typeof CompletionChunkSchema>["usage"];
  let timings: z.infer<typeof CompletionChunkSchema>["timings"];
  for await (const data of serverSentData(response.body)) {
    if (data === "[DONE]") break;
    const chunk = CompletionChunkSchema.parse(JSON.parse(data));
    const now = performance.now();
    if (firstTextAt === undefined && chunk.choices.some((choice) => choice.text)) firstTextAt = now;
    usage = chunk.usage ?? usage;
    timings = chunk.timings ?? timings;
    // The generation ends with the chunk that finishes the choice; a usage-only chunk may follow.
    if (endAt === undefined && chunk.choices.some((choice) => choice.finish_reason)) endAt = now;
  }
  if (firstTextAt === undefined || endAt === undefined || !usage || !timings)
    throw new Error(`${endpoint} streamed no text, usage or timings for a ${maxTokens}-token completion`);
  return SampleSchema.parse({
    promptTokens: usage.prompt_tokens,
    evaluatedTokens: timings.prompt_n,
    completionTokens: usage.completion_tokens,
    ttftMs: firstTextAt - start,
    generationMs: endAt - firstTextAt,
  });
}

/** The `data:` payloads of a server-sent event stream. */
async function* serverSentData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const text of body.pipeThrough(new TextDecoderStream())) {
    buffer += text;
    let end: number;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, end).trimEnd();
      buffer = buffer.slice(end + 1);
      if (line.startsWith("data:")) yield line.slice(5).trimStart();
    }
  }
}
