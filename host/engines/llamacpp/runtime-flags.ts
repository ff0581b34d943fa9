import { UserError } from "../../errors";
import type { RunnerLoadOptions } from "../../protocol/runner";

type Tunable = Partial<Pick<RunnerLoadOptions, "threads" | "parallel" | "gpuLayers" | "batchSize" | "flashAttention">>;

const integer = (flag: string, value: string | undefined, min: number, max: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UserError(`runtime flag ${flag} needs a whole number from ${min} to ${max}, not "${value ?? ""}"`, {
      fix: `Example: ${flag} ${min}`,
    });
  return n;
};

/**
 * llama.cpp server flags users may set per model (`lmr configure MODEL -- --threads 4`). Only
 * tuning flags are accepted: nothing that names a file, a port or a host can reach the runner.
 */
const FLAGS: Record<string, { takesValue: boolean; apply: (value: string | undefined, out: Tunable) => void }> = {
  "--threads": { takesValue: true, apply: (v, out) => (out.threads = integer("--threads", v, 1, 512)) },
  "--parallel": { takesValue: true, apply: (v, out) => (out.parallel = integer("--parallel", v, 1, 64)) },
  "--n-gpu-layers": { takesValue: true, apply: (v, out) => (out.gpuLayers = integer("--n-gpu-layers", v, 0, 1000)) },
  "--batch-size": { takesValue: true, apply: (v, out) => (out.batchSize = integer("--batch-size", v, 1, 65536)) },
  "--flash-attn": { takesValue: false, apply: (_, out) => (out.flashAttention = true) },
  "--no-flash-attn": { takesValue: false, apply: (_, out) => (out.flashAttention = false) },
};
const ALIASES: Record<string, string> = { "-t": "--threads", "-np": "--parallel", "-ngl": "--n-gpu-layers", "-b": "--batch-size", "-fa": "--flash-attn" };

export const ALLOWED_RUNTIME_FLAGS = Object.keys(FLAGS);

export function parseRuntimeFlags(flags: readonly string[]): Tunable {
  const out: Tunable = {};
  for (let i = 0; i < flags.length; i++) {
    const [rawName, inlineValue] = flags[i]!.split("=", 2) as [string, string | undefined];
    const name = ALIASES[rawName] ?? rawName;
    const flag = FLAGS[name];
    if (!flag)
      throw new UserError(`runtime flag ${rawName} is not allowed`, {
        param: "runtime-flags",
        fix: `Allowed llama.cpp flags: ${ALLOWED_RUNTIME_FLAGS.join(", ")}.`,
      });
    flag.apply(flag.takesValue && inlineValue === undefined ? flags[++i] : inlineValue, out);
  }
  return out;
}
