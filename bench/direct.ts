import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Contender } from "./contender";
import { FromDirectSchema, type FromDirect, type ToDirect } from "./direct-protocol";
import type { BenchOptions } from "./options";

const ENTRY = path.resolve(import.meta.dirname, "direct-process.ts");

export const DIRECT = "node-llama-cpp direct";

/**
 * node-llama-cpp called directly in a process of its own, started as our host starts its runners:
 * UV_THREADPOOL_SIZE=1 (it must be in the environment before Node starts), the same threads,
 * context size and sequences.
 */
export async function startDirect(modelPath: string, options: BenchOptions): Promise<Contender> {
  const child = fork(ENTRY, [], { execArgv: ["--import", "tsx"], env: { ...process.env, UV_THREADPOOL_SIZE: "1" } });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code, signal) => reject(new Error(`the node-llama-cpp process stopped (${signal ?? `exit code ${code}`})`))),
  );
  exited.catch(() => {});
  const ask = (message: ToDirect) => request(child, message, exited);
  try {
    await ask({ type: "load", modelPath, threads: options.threads, contextSize: options.contextSize, sequences: options.parallel });
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    name: DIRECT,
    complete: async (completion) => {
      const answer = await ask({ type: "complete", ...completion, bannedTokens: [...completion.bannedTokens] });
      if (answer.type !== "sample") throw new Error(`the node-llama-cpp process answered a completion with ${answer.type}`);
      return answer.sample;
    },
    close: async () => {
      child.disconnect();
      await exited.catch(() => {});
    },
  };
}

/** One request at a time: the benchmark never overlaps two measurements. */
function request(child: ChildProcess, message: ToDirect, exited: Promise<never>): Promise<FromDirect> {
  const answer = new Promise<FromDirect>((resolve, reject) => {
    child.once("message", (raw) => {
      const parsed = FromDirectSchema.parse(raw);
      if (parsed.type === "failed") reject(new Error(`node-llama-cpp: ${parsed.message}`));
      else resolve(parsed);
    });
  });
  child.send(message);
  return Promise.race([answer, exited]);
}
