import { spawn, type ChildProcess } from "node:child_process";

/** Output kept to explain a server that failed to start. */
const OUTPUT_TAIL = 8000;

/** A server process the benchmark started, listening on a port it chose itself. */
export interface ServerProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a server that is told to listen on port 0 and resolves with the URL it logs in the words
 * both llama-server and `lmr serve` use: "listening on http://HOST:PORT".
 */
export function startServerProcess(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ServerProcess> {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let listening = false;
  return new Promise<ServerProcess>((resolve, reject) => {
    // Reading goes on after the start: a server blocks once a pipe nobody reads is full.
    const onOutput = (text: string) => {
      if (listening) return;
      output = (output + text).slice(-OUTPUT_TAIL);
      const match = /listening on (http:\/\/[^\s/]+)/.exec(output);
      if (!match) return;
      listening = true;
      child.off("exit", onExit);
      resolve({ url: match[1]!, stop: () => stop(child) });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      reject(new Error(`${name} exited before it listened (${signal ?? `exit code ${code}`}):\n${output}`));
    child.stdout.setEncoding("utf8").on("data", onOutput);
    child.stderr.setEncoding("utf8").on("data", onOutput);
    child.once("error", reject);
    child.once("exit", onExit);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
