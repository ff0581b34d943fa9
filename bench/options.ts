import { parseArgs } from "node:util";
import { z } from "zod";
import { defaultThreads } from "../host/engines/llamacpp/engine";
import { UserError } from "../host/errors";

const count = (name: string, min: number) =>
  z.coerce.number({ message: `--${name} takes a number` }).int(`--${name} takes a whole number`).min(min, `--${name} takes a number of at least ${min}`);

/** The flags of `npm run bench -- …`; every contender runs with the same values. */
export const BenchOptionsSchema = z.object({
  /** ggml threads for generation and prompt processing alike; our host's default is the same. */
  threads: count("threads", 1).default(defaultThreads()),
  /**
   * Timed requests per prompt and contender; the median is reported. A single request's speed here varies by up to
   * 30 % with the machine's other load; with 20 rounds the paired medians' 90% intervals came to ±1-3 % (three runs
   * on 2 cores).
   */
  repetitions: count("repetitions", 1).default(20),
  /**
   * How many times the contenders start afresh during the rounds, each time with a warm-up: a process keeps a
   * speed of its own for its life, within a few percent, and only fresh processes average that out.
   */
  sessions: count("sessions", 1).default(4),
  /** Tokens of context per sequence. */
  contextSize: count("context-size", 1024).default(2048),
  /** Sequences per context, as many as our host serves at once by default. */
  parallel: count("parallel", 1).default(4),
  /**
   * Only the long prompt, with one token generated, and nothing after the rounds: the prompt processing target
   * alone, at about a fifth of a full round's time, so that many rounds can settle it.
   */
  promptOnly: z.boolean().default(false),
  json: z.boolean().default(false),
}).refine((options) => options.sessions <= options.repetitions, { message: "--sessions takes a number no larger than --repetitions: every session times at least one round" });
export type BenchOptions = z.infer<typeof BenchOptionsSchema>;

export const BENCH_HELP = `Usage: npm run bench -- [--threads N] [--repetitions N] [--sessions N] [--context-size N] [--parallel N] [--prompt-only] [--json]

Measures prompt processing, generation and time to first token on a SmolLM2-135M-shaped Q8_0 model through
llama.cpp's llama-server, node-llama-cpp called directly, and our host's OpenAI API, side by side.
--prompt-only measures prompt processing alone (the 512-token prompt, one token generated), for example
--prompt-only --repetitions 160 --sessions 8 to settle that target in about 15 minutes.`;

export function parseBenchOptions(argv: readonly string[]): BenchOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        threads: { type: "string" },
        repetitions: { type: "string" },
        sessions: { type: "string" },
        "context-size": { type: "string" },
        parallel: { type: "string" },
        "prompt-only": { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UserError((error as Error).message, { fix: BENCH_HELP });
  }
  if (values.help) return "help";
  const parsed = BenchOptionsSchema.safeParse({ ...values, contextSize: values["context-size"], promptOnly: values["prompt-only"] });
  if (!parsed.success) throw new UserError(parsed.error.issues[0]!.message, { fix: BENCH_HELP });
  return parsed.data;
}
