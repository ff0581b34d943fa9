import { z } from "zod";
import { defineCommand, integerFlag } from "../command";
import { table } from "../format";
import { HostClient } from "../host-client";
import { UserError } from "../../errors";
import type { ChatCompletionChunk } from "../../protocol/openai";
import { sseEvents } from "../../protocol/sse";

const ConcurrencySchema = z
  .string()
  .transform((text) => text.split(",").map((part) => Number(part.trim())))
  .pipe(z.array(z.number().int().min(1).max(256)).min(1));

interface RequestResult {
  ttftMs: number;
  latencyMs: number;
  tokens: number;
}

interface LevelResult {
  concurrency: number;
  requests: number;
  /** Generated tokens of all requests over the level's wall time. */
  tokensPerSecond: number;
  ttftMs: { median: number; p90: number };
  latencyMs: { median: number; p90: number };
}

export const bench = defineCommand({
  name: "bench",
  summary: "Measure a model through the running host: tokens/s, time to first token and request latency at each concurrency level.",
  usage: "MODEL",
  options: {
    concurrency: { type: "string", short: "c" },
    "max-tokens": { type: "string" },
    requests: { type: "string", short: "n" },
    prompt: { type: "string" },
    json: { type: "boolean" },
  },
  help: {
    concurrency: "Comma-separated levels (default 1,2,4,8)",
    "max-tokens": "Tokens each request generates (default 64)",
    requests: "Requests per level (default: twice the level, at least 4)",
    prompt: "The prompt (default: a short request for a story)",
    json: "Print the results as JSON",
  },
  async run({ values, positionals }) {
    const [model] = positionals;
    if (!model) throw new UserError("name the model to benchmark", { fix: "Example: lmr bench ai/smollm2 --concurrency 1,2,4,8" });
    const parsed = ConcurrencySchema.safeParse((values.concurrency as string | undefined) ?? "1,2,4,8");
    if (!parsed.success) throw new UserError("--concurrency takes whole numbers separated by commas", { fix: "Example: --concurrency 1,2,4,8" });
    const maxTokens = integerFlag("max-tokens", values["max-tokens"], 1) ?? 64;
    const perLevel = integerFlag("requests", values.requests, 1);
    const prompt = (values.prompt as string | undefined) ?? "Tell me a short story about a llama who learns to code.";
    const client = new HostClient();

    // One warm-up request loads the model, so the first level does not measure the load.
    await one(client, model, prompt, maxTokens);
    const results: LevelResult[] = [];
    for (const concurrency of parsed.data) {
      const count = perLevel ?? Math.max(4, concurrency * 2);
      const started = performance.now();
      const outcomes: RequestResult[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < count) {
            next++;
            outcomes.push(await one(client, model, prompt, maxTokens));
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      results.push({
        concurrency,
        requests: count,
        tokensPerSecond: outcomes.reduce((sum, r) => sum + r.tokens, 0) / seconds,
        ttftMs: stats(outcomes.map((r) => r.ttftMs)),
        latencyMs: stats(outcomes.map((r) => r.latencyMs)),
      });
    }
    if (values.json) return void console.log(JSON.stringify({ model, maxTokens, results }, null, 2));
    console.log(
      table(
        ["CONCURRENCY", "REQUESTS", "TOKENS/S", "TTFT P50", "TTFT P90", "LATENCY P50", "LATENCY P90"],
        results.map((r) => [
          String(r.concurrency),
          String(r.requests),
          r.tokensPerSecond.toFixed(1),
          `${r.ttftMs.median.toFixed(0)} ms`,
          `${r.ttftMs.p90.toFixed(0)} ms`,
          `${r.latencyMs.median.toFixed(0)} ms`,
          `${r.latencyMs.p90.toFixed(0)} ms`,
        ]),
      ),
    );
  },
});

async function one(client: HostClient, model: string, prompt: string, maxTokens: number): Promise<RequestResult> {
  const started = performance.now();
  const response = await client.request("POST", "/engines/v1/chat/completions", {
    body: { model, messages: [{ role: "user", content: prompt }], stream: true, max_tokens: maxTokens, stream_options: { include_usage: true } },
  });
  let ttftMs: number | undefined;
  let tokens = 0;
  for await (const event of sseEvents(response)) {
    const chunk = event as ChatCompletionChunk;
    if (chunk.choices[0]?.delta.content) ttftMs ??= performance.now() - started;
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
  }
  const latencyMs = performance.now() - started;
  return { ttftMs: ttftMs ?? latencyMs, latencyMs, tokens };
}

function stats(values: number[]): { median: number; p90: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { median: at(0.5), p90: at(0.9) };
}
