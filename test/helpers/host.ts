/**
 * Starts the built host (`dist/lmr.mjs serve`) as a user would, on a free loopback port with its
 * own store, and packages models into that store with the built CLI.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";

export const LMR = path.resolve(import.meta.dirname, "../../dist/lmr.mjs");

export interface TestHost {
  url: string;
  modelsPath: string;
  process: ChildProcess;
  openai(prefix?: string): OpenAI;
  lmr(args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<{ stdout: string; stderr: string; code: number }>;
  logs(): string;
  stop(): Promise<void>;
}

export async function startHost(options: { args?: string[]; env?: Record<string, string>; modelsPath?: string } = {}): Promise<TestHost> {
  const modelsPath = options.modelsPath ?? (await mkdtemp(path.join(tmpdir(), "lmr-store-")));
  const child = spawn(process.execPath, [LMR, "serve", "--port", "0", "--models-path", modelsPath, "--threads", "2", ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (output += text));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the host did not start:\n${output}`)), 20_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    child.once("exit", (code) => reject(new Error(`the host exited with ${code}:\n${output}`)));
  });
  const host: TestHost = {
    url,
    modelsPath,
    process: child,
    openai: (prefix = "/engines/v1") => new OpenAI({ baseURL: `${url}${prefix}`, apiKey: "unused", maxRetries: 0 }),
    lmr: (args, { input, env } = {}) => lmr(args, { input, env: { LMR_HOST: url, LMR_MODELS_PATH: modelsPath, ...env } }),
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
      if (!options.modelsPath) await rm(modelsPath, { recursive: true, force: true });
    },
  };
  return host;
}

/** Runs the built CLI; resolves with its output and exit code whatever the code is. */
export async function lmr(args: string[], { input, env }: { input?: string; env?: Record<string, string> } = {}) {
  const child = spawn(process.execPath, [LMR, ...args], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  child.stdin.end(input ?? "");
  const code = await new Promise<number>((resolve) => child.once("exit", (c) => resolve(c ?? 1)));
  return { stdout, stderr, code };
}

