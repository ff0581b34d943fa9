/**
 * `npm run bench`: the same prompts through llama.cpp's own llama-server (the bar: it is what Docker
 * Model Runner runs), node-llama-cpp called directly, and our host's OpenAI API, measured in turns
 * so that a change in the machine's load touches every column alike.
 */
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { isLmrError } from "../host/errors";
import { OUR_API, startOurApi } from "./api";
import type { Contender } from "./contender";
import { DIRECT, startDirect } from "./direct";
import { buildLlamaServer, LLAMA_SERVER, startLlamaServer } from "./llama-server";
import { summarize, type Figures, type Sample } from "./measure";
import { benchModelPath } from "./model";
import { BENCH_HELP, parseBenchOptions, type BenchOptions } from "./options";
import { buildPrompts } from "./prompts";
import { formatTable, type Workload } from "./table";

const WORKLOAD: Workload = { shortTokens: 8, longTokens: 512, generatedTokens: 128 };
/**
 * A pause before every request: a server keeps the cores busy for a while after it answered (llama-server's
 * threads poll for work, our host logs and collects garbage), and that would be charged to whoever comes next.
 */
const SETTLE_MS = 300;

interface Measured {
  short: Sample[];
  long: Sample[];
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options === "help") return console.log(BENCH_HELP);
  progress(`threads ${options.threads}, context ${options.contextSize} per sequence, ${options.parallel} sequences, ${options.repetitions} repetitions`);
  const modelPath = await benchModelPath();
  // One warm-up request per prompt length, then the timed ones: every request gets a prompt of its own.
  const prompts = await buildPrompts(modelPath, { count: 1 + options.repetitions, shortTokens: WORKLOAD.shortTokens, longTokens: WORKLOAD.longTokens });
  const build = await buildLlamaServer();
  if ("unavailable" in build) progress(`${LLAMA_SERVER} column skipped: ${build.unavailable}`);

  const contenders: Contender[] = [];
  try {
    if ("binary" in build) contenders.push(await startLlamaServer(build.binary, modelPath, options));
    contenders.push(await startDirect(modelPath, options));
    contenders.push(await startOurApi(modelPath, options));
    const measured = new Map<string, Measured>(contenders.map((c) => [c.name, { short: [], long: [] }]));
    for (let round = 0; round <= options.repetitions; round++) {
      progress(round === 0 ? "warming up" : `round ${round} of ${options.repetitions}`);
      for (const contender of contenders) {
        const short = await measure(contender, prompts.short[round]!, WORKLOAD.shortTokens, prompts.textlessTokens);
        const long = await measure(contender, prompts.long[round]!, WORKLOAD.longTokens, prompts.textlessTokens);
        if (round === 0) continue;
        measured.get(contender.name)!.short.push(short);
        measured.get(contender.name)!.long.push(long);
      }
    }
    report(options, measured, "unavailable" in build ? build.unavailable : undefined);
  } finally {
    for (const contender of contenders) await contender.close();
  }
}

/** One request, refused unless the engine saw the prompt and generated exactly what was asked. */
async function measure(contender: Contender, prompt: string, promptTokens: number, bannedTokens: readonly number[]): Promise<Sample> {
  await sleep(SETTLE_MS);
  const sample = await contender.complete({ prompt, maxTokens: WORKLOAD.generatedTokens, bannedTokens });
  const problems = [
    sample.promptTokens !== promptTokens && `a prompt of ${sample.promptTokens} tokens instead of ${promptTokens}`,
    sample.completionTokens !== WORKLOAD.generatedTokens && `${sample.completionTokens} generated tokens instead of ${WORKLOAD.generatedTokens}`,
    // The BOS alone may come from the cache; more would make prompt processing look faster than it is.
    sample.evaluatedTokens < promptTokens - 1 && `only ${sample.evaluatedTokens} prompt tokens evaluated, the rest cached`,
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`${contender.name} measured ${problems.join(", ")}: the columns would not compare like with like`);
  return sample;
}

function report(options: BenchOptions, measured: Map<string, Measured>, llamaServerUnavailable: string | undefined): void {
  const figures = new Map<string, Figures>([...measured].map(([name, samples]) => [name, summarize(samples)]));
  if (options.json) {
    const machine = { cpu: os.cpus()[0]?.model, logicalCores: os.availableParallelism(), platform: `${process.platform}-${process.arch}`, node: process.version };
    const contenders = Object.fromEntries([...measured].map(([name, samples]) => [name, { figures: figures.get(name), samples }]));
    console.log(JSON.stringify({ machine, options, workload: WORKLOAD, contenders, ...(llamaServerUnavailable ? { llamaServerUnavailable } : {}) }, null, 2));
    return;
  }
  const column = (name: string) => ({ name, figures: figures.get(name) });
  console.log(formatTable(column(LLAMA_SERVER), [column(DIRECT), column(OUR_API)], WORKLOAD));
  if (llamaServerUnavailable) console.log(`\n${LLAMA_SERVER}: ${llamaServerUnavailable}`);
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${isLmrError(error) ? error.userMessage : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
