/**
 * The host's log: lines go to stderr (stdout belongs to the extension's JSON-RPC channel) and to
 * a ring buffer that `lmr logs` and `/logs?follow=` read.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogLine {
  time: string;
  level: LogLevel;
  /** Who wrote it: `host`, `llama.cpp`, `vllm`, or a model name. */
  source: string;
  message: string;
}

type Listener = (line: LogLine) => void;

const CAPACITY = 5000;

class Log {
  private readonly lines: LogLine[] = [];
  private readonly listeners = new Set<Listener>();
  verbose = process.env.LMR_DEBUG === "1";

  write(level: LogLevel, source: string, message: string): void {
    if (level === "debug" && !this.verbose) return;
    const line: LogLine = { time: new Date().toISOString(), level, source, message };
    this.lines.push(line);
    if (this.lines.length > CAPACITY) this.lines.splice(0, this.lines.length - CAPACITY);
    process.stderr.write(`${format(line)}\n`);
    for (const listener of this.listeners) listener(line);
  }

  recent(): readonly LogLine[] {
    return this.lines;
  }

  follow(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function format(line: LogLine): string {
  return `${line.time} ${line.level.toUpperCase().padEnd(5)} [${line.source}] ${line.message}`;
}

export const log = new Log();
