import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EngineError, EngineUnavailableError, PayloadTooLargeError, UserError, type LmrError } from "../../errors";
import { log } from "../../log";
import type { GeneratedPiece, HostToRunner, RunnerErrorPayload, RunnerInfo, RunnerLoadOptions, RunnerRequest, RunnerResult, RunnerToHost } from "../../protocol/runner";

interface Pending {
  onDelta?: (piece: GeneratedPiece) => void;
  resolve: (result: RunnerResult) => void;
  reject: (error: Error) => void;
}

type RunnerBody<K extends RunnerRequest["kind"]> = Extract<RunnerRequest, { kind: K }>["body"];

/** The runner bundle sits next to the host bundle in dist/. */
const RUNNER_ENTRY = process.env.LMR_RUNNER_ENTRY ?? fileURLToPath(new URL("./runner.mjs", import.meta.url));

/**
 * The host's side of one runner process: starts it, forwards requests over IPC, and fails every
 * request in flight with a clear error when the process dies.
 */
export class RunnerProcess {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exitError: LmrError | undefined;
  readonly stopped: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly info: RunnerInfo,
    readonly modelName: string,
  ) {
    this.stopped = new Promise((resolve) => child.once("exit", () => resolve()));
    child.on("message", (message: RunnerToHost) => this.receive(message));
    child.once("exit", (code, signal) => {
      this.exitError ??= new EngineError(
        `the llama.cpp runner for ${modelName} stopped (${signal ? `killed by ${signal}` : `exit code ${code}`})`,
        { fix: "The next request starts a fresh runner. If it keeps happening, `lmr logs` shows why; a damaged model file is fixed by pulling it again." },
      );
      log.write(code === 0 && !signal ? "info" : "error", "llama.cpp", this.exitError.message);
      for (const pending of this.pending.values()) pending.reject(this.exitError);
      this.pending.clear();
    });
  }

  static async start(options: RunnerLoadOptions, modelName: string): Promise<RunnerProcess> {
    const child = fork(RUNNER_ENTRY, [], {
      // libuv's pool threads otherwise fight ggml's threads for the cores: 0.32× llama-server's
      // generation speed instead of 0.91× on a 2-core machine. It must be set before Node starts.
      env: { ...process.env, UV_THREADPOOL_SIZE: "1" },
      execArgv: [],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    for (const stream of [child.stdout, child.stderr])
      stream?.setEncoding("utf8").on("data", (text: string) => {
        for (const line of text.split("\n")) if (line.trim()) log.write("info", modelName, line);
      });
    const info = await new Promise<RunnerInfo>((resolve, reject) => {
      const onMessage = (message: RunnerToHost) => {
        if (message.type === "log") log.write(message.level, modelName, message.message);
        else if (message.type === "loaded") resolve(message.info);
        else if (message.type === "load-failed") reject(toError(message.error));
      };
      child.on("message", onMessage);
      child.once("exit", (code, signal) =>
        reject(
          new EngineUnavailableError(`the llama.cpp runner for ${modelName} stopped while loading the model (${signal ?? `exit code ${code}`})`, {
            fix: "The model file may be damaged or not a model llama.cpp supports: pull or package it again. `lmr logs` shows llama.cpp's own words.",
          }),
        ),
      );
      child.send({ type: "load", options } satisfies HostToRunner);
    }).catch((error) => {
      child.kill("SIGKILL");
      throw error;
    });
    child.removeAllListeners("message");
    const build = info.build === "local" ? "built on this machine" : "node-llama-cpp's prebuilt binary";
    const hint = info.build === "prebuilt" && !info.gpu ? "; `lmr install-runner --build` builds llama.cpp for this CPU, which generates faster" : "";
    log.write("info", modelName, `loaded on llama.cpp ${info.llamaCppRelease} (${build}), ${info.gpu || "CPU"}, ${info.threads} threads${hint}`);
    return new RunnerProcess(child, info, modelName);
  }

  request<K extends RunnerRequest["kind"]>(kind: K, body: RunnerBody<K>, signal: AbortSignal, onDelta?: (piece: GeneratedPiece) => void): Promise<RunnerResult> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise<RunnerResult>((resolve, reject) => {
      const cancel = () => this.child.connected && this.child.send({ type: "cancel", id } satisfies HostToRunner);
      signal.addEventListener("abort", cancel, { once: true });
      const settle = () => signal.removeEventListener("abort", cancel);
      this.pending.set(id, {
        onDelta,
        resolve: (result) => (settle(), resolve(result)),
        reject: (error) => (settle(), reject(error)),
      });
      this.child.send({ type: "request", request: { kind, id, body } as RunnerRequest, stream: onDelta != null } satisfies HostToRunner);
    });
  }

  async stop(): Promise<void> {
    this.exitError ??= new EngineError(`the model ${this.modelName} was unloaded`, { fix: "Send the request again; the model loads again." });
    this.child.kill("SIGTERM");
    const killer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.stopped;
    clearTimeout(killer);
  }

  private receive(message: RunnerToHost): void {
    switch (message.type) {
      case "log":
        log.write(message.level, this.modelName, message.message);
        return;
      case "delta": {
        const onDelta = this.pending.get(message.id)?.onDelta;
        if (onDelta) for (const piece of message.pieces) onDelta(piece);
        return;
      }
      case "done":
        this.pending.get(message.id)?.resolve(message.result);
        this.pending.delete(message.id);
        return;
      case "failed":
        this.pending.get(message.id)?.reject(toError(message.error));
        this.pending.delete(message.id);
        return;
    }
  }
}

function toError(payload: RunnerErrorPayload): LmrError {
  const options = { fix: payload.fix, param: payload.param, code: payload.code };
  switch (payload.errorClass) {
    case "UserError":
      return new UserError(payload.message, options);
    case "PayloadTooLargeError":
      return new PayloadTooLargeError(payload.message, options);
    case "EngineError":
      return new EngineError(payload.message, options);
  }
}
