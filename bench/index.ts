/**
 * `npm run bench`: the same prompts through llama.cpp's own llama-server (the bar: it is what Docker
 * Model Runner runs), node-llama-cpp called directly, and our host's OpenAI API, measured in turns
 * so that a change in the machine's load touches every column alike.
 */
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { isLmrError } from "../host/errors";
import { networkReason } from "../host/registry/unreachable-error";
import { OUR_API, packageForOurApi, startOurApi } from "./api";
import type { Contender } from "./contender";
import { DIRECT, startDirect } from "./direct";
import { buildLlamaServer, LLAMA_SERVER_BUILDS, startLlamaServer } from "./llama-server";
import { summarize, type Figures, type Sample } from "./measure";
import { benchModelPath } from "./model";
import { BENCH_HELP, parseBenchOptions, type BenchOptions } from "./options";
import { buildPrompts } from "./prompts";
import { figureRows, formatComparison, formatPaired, formatTargets, type ComparisonRow, type Workload } from "./table";
import { judgeTargets, TARGETS } from "./targets";
import { CONCURRENCY_LEVELS, CONCURRENCY_PROMPTS, measureConcurrency } from "./concurrency";
import { CHAT_HISTORIES, tenthTurnTtfts, TURNS } from "./chat-turns";
import { measurePullThroughput, type PullThroughput } from "./pull-throughput";
import { ensureRunnerBuild } from "./runner-build";

const WORKLOAD: Workload = { shortTokens: 8, longTokens: 512, generatedTokens: 128 };
/** `--prompt-only`: one token generated, so that a request is its prompt's processing and little else. */
const PROMPT_ONLY: Workload = { ...WORKLOAD, generatedTokens: 1 };
/**
 * A pause before every request: a server keeps the cores busy for a while after it answered (llama-server's
 * threads poll for work, our host logs and collects garbage), and that would be charged to whoever comes next.
 */
const SETTLE_MS = 300;

interface Measured {
  short: Sample[];
  long: Sample[];
}

/** Aggregate tok/s by concurrent streams, and the 10th chat turn's TTFT with and without the prompt cache. */
interface Scaling {
  concurrency: Map<number, number>;
  tenthTurn: { cachedMs: number; uncachedMs: number };
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options === "help") return console.log(BENCH_HELP);
  const workload = options.promptOnly ? PROMPT_ONLY : WORKLOAD;
  const lengths = options.promptOnly ? (["long"] as const) : (["short", "long"] as const);
  progress(
    `threads ${options.threads}, context ${options.contextSize} per sequence, ${options.parallel} sequences, ${options.repetitions} repetitions in ${options.sessions} sessions${options.promptOnly ? ", prompt processing only" : ""}`,
  );
  const modelPath = await benchModelPath();
  // Each session starts fresh processes, warms them up with one request per prompt length, then times its share
  // of the rounds: every request gets a prompt of its own. Besides the rounds' prompts: three sets of eight for
  // the concurrent streams, the chats' histories.
  const rounds = options.sessions + options.repetitions;
  const prompts = await buildPrompts(modelPath, { count: rounds + CONCURRENCY_PROMPTS + CHAT_HISTORIES, shortTokens: WORKLOAD.shortTokens, longTokens: WORKLOAD.longTokens });
  const runnerBuild = await ensureRunnerBuild(progress);
  const servers: { name: string; binary: string }[] = [];
  /** What could not be measured, and why: the rest of the run still reports. */
  const notMeasured: string[] = [];
  for (const [build, name] of Object.entries(LLAMA_SERVER_BUILDS)) {
    const built = await buildLlamaServer(build as keyof typeof LLAMA_SERVER_BUILDS);
    if ("unavailable" in built) {
      progress(`${name} column skipped: ${built.unavailable}`);
      notMeasured.push(`${name}: ${built.unavailable}`);
    } else servers.push({ name, binary: built.binary });
  }
  const store = await packageForOurApi(modelPath, options);
  /** The contenders of the session under way. */
  const contenders: Contender[] = [];
  const startContenders = async () => {
    for (const { name, binary } of servers) contenders.push(await startLlamaServer(name, binary, modelPath, options));
    // Our API takes its turn between the two llama-servers: a request's speed here follows the machine's load of
    // the second before (consecutive requests' slowdowns correlate, 0.2-0.6), so each pair the targets judge is
    // made of requests one after the other in most rounds.
    contenders.splice(1, 0, await startOurApi(store, options));
    contenders.push(await startDirect(modelPath, options));
  };
  try {
    const measured = new Map<string, Measured>();
    let round = 0;
    for (let session = 0; session < options.sessions; session++) {
      // A process keeps a speed of its own for its life, within a few percent (seen with several processes of one
      // contender measured side by side), which no number of rounds averages out; fresh ones each session do.
      for (const contender of contenders.splice(0)) await contender.close();
      await startContenders();
      for (const { name } of contenders) if (!measured.has(name)) measured.set(name, { short: [], long: [] });
      const timed = Math.floor(((session + 1) * options.repetitions) / options.sessions) - Math.floor((session * options.repetitions) / options.sessions);
      for (let turn = 0; turn <= timed; turn++, round++) {
        progress(turn === 0 ? `session ${session + 1} of ${options.sessions}: warming up` : `round ${round - session} of ${options.repetitions}`);
        // Each round starts with the next contender: none always runs first, or always right after the same one.
        // Each prompt goes through every contender back to back, so the requests the paired table compares are
        // seconds apart.
        const order = contenders.map((_, index) => contenders[(index + round) % contenders.length]!);
        for (const length of lengths) {
          for (const contender of order) {
            const promptTokens = length === "short" ? workload.shortTokens : workload.longTokens;
            const sample = await measure(contender, prompts[length][round]!, promptTokens, workload.generatedTokens, prompts.textlessTokens);
            if (turn > 0) measured.get(contender.name)![length].push(sample);
          }
        }
      }
    }
    const scaling = new Map<string, Scaling>();
    let pull: PullThroughput | Error | undefined;
    if (!options.promptOnly) {
      for (const contender of contenders.filter((c) => c.name !== DIRECT)) {
        progress(`${contender.name}: 1, 2, 4 and 8 concurrent streams; a ${TURNS}-turn chat with and without the prompt cache`);
        try {
          scaling.set(contender.name, {
            concurrency: await measureConcurrency(contender, prompts.short.slice(rounds, rounds + CONCURRENCY_PROMPTS), prompts.textlessTokens),
            tenthTurn: await tenthTurnTtfts(contender, prompts.long.slice(-CHAT_HISTORIES), prompts.textlessTokens),
          });
        } catch (error) {
          // Seen once: llama-server left one of 8 concurrent requests unanswered until fetch gave up.
          const line = `${contender.name}: concurrency and chat turns not measured: ${networkReason(error)}`;
          progress(line);
          notMeasured.push(line);
        }
      }
    }
    for (const contender of contenders.splice(0)) await contender.close();
    if (!options.promptOnly) {
      progress("pull throughput from a loopback registry against curl (1 GiB)");
      pull = await measurePullThroughput().catch((error: Error) => error);
    }
    report(options, workload, runnerBuild, servers.map(({ name }) => name), measured, scaling, pull, notMeasured);
  } finally {
    for (const contender of contenders) await contender.close();
    await store.remove();
  }
}

/** One request, refused unless the engine saw the prompt and generated exactly what was asked. */
async function measure(contender: Contender, prompt: string, promptTokens: number, generatedTokens: number, bannedTokens: readonly number[]): Promise<Sample> {
  await sleep(SETTLE_MS);
  const sample = await contender.complete({ prompt, maxTokens: generatedTokens, bannedTokens });
  const problems = [
    sample.promptTokens !== promptTokens && `a prompt of ${sample.promptTokens} tokens instead of ${promptTokens}`,
    sample.completionTokens !== generatedTokens && `${sample.completionTokens} generated tokens instead of ${generatedTokens}`,
    // The BOS alone may come from the cache; more would make prompt processing look faster than it is.
    sample.evaluatedTokens < promptTokens - 1 && `only ${sample.evaluatedTokens} prompt tokens evaluated, the rest cached`,
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`${contender.name} measured ${problems.join(", ")}: the columns would not compare like with like`);
  return sample;
}

/** `scaling` is empty and `pull` undefined where the run left them out (`--prompt-only`). */
function report(
  options: BenchOptions,
  workload: Workload,
  runnerBuild: string,
  servers: readonly string[],
  measured: Map<string, Measured>,
  scaling: Map<string, Scaling>,
  pull: PullThroughput | Error | undefined,
  notMeasured: readonly string[],
): void {
  const figures = new Map<string, Figures>([...measured].map(([name, samples]) => [name, summarize(samples)]));
  const best = new Map<string, Figures>([...measured].map(([name, samples]) => [name, summarize(samples, "best")]));
  const names = [...servers, DIRECT, OUR_API];
  const rounds = Array.from({ length: options.repetitions }, (_, round) =>
    figureRows(names.map((name) => ({ name, figures: summarize(sampleOf(measured.get(name)!, round)) })), workload),
  );
  const verdicts = servers.length > 0 ? judgeTargets(names, rounds, servers.length, OUR_API, TARGETS) : [];
  if (options.json) {
    const machine = { cpu: os.cpus()[0]?.model, logicalCores: os.availableParallelism(), platform: `${process.platform}-${process.arch}`, node: process.version };
    const contenders = Object.fromEntries(
      [...measured].map(([name, samples]) => {
        const scaled = scaling.get(name);
        return [name, { figures: figures.get(name), best: best.get(name), samples, ...(scaled ? { concurrency: Object.fromEntries(scaled.concurrency), tenthTurn: scaled.tenthTurn } : {}) }];
      }),
    );
    const pullThroughput = pull instanceof Error ? { error: pull.message } : pull;
    const targets = verdicts.map(({ label, target, bar, estimate, met }) => ({ figure: target.key, label, target, against: bar, ...estimate, met }));
    console.log(JSON.stringify({ machine, options, runnerBuild, workload, contenders, targets, pullThroughput, ...(notMeasured.length > 0 ? { notMeasured } : {}) }, null, 2));
    return;
  }
  console.log(`llama.cpp under node-llama-cpp and our API: ${runnerBuild}`);
  console.log(`ratios and differences are against the faster llama-server of each row\n`);
  console.log(`median of ${options.repetitions} repetitions:`);
  console.log(formatComparison(names, figureRows(names.map((name) => ({ name, figures: figures.get(name) })), workload), servers.length));
  console.log(`\nbest of ${options.repetitions} repetitions (the code's speed, untouched by bursts of other load):`);
  console.log(formatComparison(names, figureRows(names.map((name) => ({ name, figures: best.get(name) })), workload), servers.length));
  if (servers.length > 0) {
    console.log(`\npaired: each round against each llama-server in the same round, median of ${options.repetitions} rounds (load that changes between rounds drops out), and its 90% interval:`);
    console.log(formatPaired(names, rounds, servers.length));
    console.log(`\ntargets:`);
    console.log(formatTargets(OUR_API, verdicts));
  }

  const served = [...servers, OUR_API];
  if (!options.promptOnly) console.log(`\n${formatComparison(served, scalingRows(served, scaling), servers.length)}`);
  if (pull instanceof Error) console.log(`\npull throughput: not measured: ${pull.message}`);
  else if (pull) {
    const mb = (bytesPerSecond: number) => `${(bytesPerSecond / 2 ** 20).toFixed(0)} MiB/s`;
    console.log(`\npull of a ${(pull.bytes / 2 ** 30).toFixed(2)} GiB model from a loopback registry: curl ${mb(pull.curl)}, lmr ${mb(pull.ours)} (verified and stored); paired with curl's turn of the same round: ${pull.ratio.toFixed(3)}×`);
  }
  for (const line of notMeasured) console.log(`\n${line}`);
}

/** Aggregate speed by concurrent streams and the chat's tenth turn, for the contenders that serve HTTP. */
function scalingRows(served: readonly string[], scaling: Map<string, Scaling>): ComparisonRow[] {
  return [
    ...CONCURRENCY_LEVELS.map((level) => ({
      label: `aggregate tok/s, ${level} concurrent stream${level > 1 ? "s" : ""}`,
      kind: "speed" as const,
      values: served.map((name) => scaling.get(name)?.concurrency.get(level)),
    })),
    { label: `TTFT ms, chat turn ${TURNS}, prompt cache on`, kind: "latency", values: served.map((name) => scaling.get(name)?.tenthTurn.cachedMs) },
    { label: `TTFT ms, chat turn ${TURNS}, prompt cache off`, kind: "latency", values: served.map((name) => scaling.get(name)?.tenthTurn.uncachedMs) },
  ];
}

/** One round's samples of a contender. */
function sampleOf({ short, long }: Measured, round: number): Measured {
  return { short: short.slice(round, round + 1), long: long.slice(round, round + 1) };
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${isLmrError(error) ? error.userMessage : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
