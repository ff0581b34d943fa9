import { LlamaLogLevel } from "node-llama-cpp";
import type { RunnerToHost } from "../../../protocol/runner";

/**
 * Sends a message to the host. `send` returning false only says the host is behind (Node queues the
 * message); a host that went away disconnects, and the runner exits then (see main.ts).
 */
export function send(message: RunnerToHost): void {
  if (process.connected) process.send!(message);
}

const levels: Partial<Record<LlamaLogLevel, "debug" | "info" | "warn" | "error">> = {
  [LlamaLogLevel.fatal]: "error",
  [LlamaLogLevel.error]: "error",
  [LlamaLogLevel.warn]: "warn",
  [LlamaLogLevel.info]: "info",
  [LlamaLogLevel.log]: "info",
  [LlamaLogLevel.debug]: "debug",
};

/** llama.cpp's own log lines, forwarded so they land in the host's log with the model's name. */
export function log(level: LlamaLogLevel, message: string): void {
  const mapped = levels[level];
  if (mapped && message.trim()) send({ type: "log", level: mapped, message: message.trimEnd() });
}
