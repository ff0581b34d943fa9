import { stat } from "node:fs/promises";
import os from "node:os";
import type { Llama } from "node-llama-cpp";
import { estimateMemory, type MemoryEstimate } from "../../gguf/memory-estimate";
import { readGgufHeader } from "../../gguf/reader";
import { ggufShards } from "../../store/shards";
import type { Engine, EngineStatus, ModelToLoad, Runner } from "../engine";
import type { RunnerLoadOptions } from "../../protocol/runner";
import { LlamaRunner } from "./llama-runner";
import { localBuildCmakeOptions } from "./local-build";
import { RunnerProcess } from "./runner-process";
import { parseRuntimeFlags } from "./runtime-flags";

export interface LlamaCppEngineOptions {
  /** Threads per runner; defaults to the machine's physical cores. */
  threads?: number;
  /** Requests one runner serves at once. */
  parallel?: number;
  gpu?: RunnerLoadOptions["gpu"];
}

/** Physical cores: ggml's threads gain nothing from hyper-threads and lose to contention. */
export function defaultThreads(): number {
  const logical = os.availableParallelism();
  return Math.max(1, logical >= 4 ? Math.floor(logical / 2) : logical);
}

export class LlamaCppEngine implements Engine {
  readonly name = "llama.cpp" as const;
  readonly formats = ["gguf"] as const;

  private llama: Promise<Llama> | undefined;

  constructor(private readonly options: LlamaCppEngineOptions = {}) {}

  checkRuntimeFlags(flags: readonly string[]): void {
    parseRuntimeFlags(flags);
  }

  async estimateMemory(model: ModelToLoad): Promise<MemoryEstimate> {
    const options = this.loadOptions(model);
    const shards = await ggufShards(model.path);
    const sizes = await Promise.all(shards.map(async (file) => (await stat(file)).size));
    const header = await readGgufHeader(model.path);
    return estimateMemory(header, { weightBytes: sizes.reduce((a, b) => a + b, 0), contextSize: options.contextSize * options.parallel });
  }

  async load(model: ModelToLoad): Promise<Runner> {
    const process = await RunnerProcess.start({ ...this.loadOptions(model), cmakeOptions: await localBuildCmakeOptions() }, model.name);
    return new LlamaRunner(process, model.name);
  }

  private loadOptions(model: ModelToLoad): RunnerLoadOptions {
    const flags = parseRuntimeFlags(model.runtimeFlags);
    return {
      modelPath: model.path,
      contextSize: model.contextSize,
      threads: flags.threads ?? this.options.threads ?? defaultThreads(),
      parallel: flags.parallel ?? this.options.parallel ?? 4,
      gpu: this.options.gpu ?? "auto",
      gpuLayers: flags.gpuLayers ?? "auto",
      batchSize: flags.batchSize,
      flashAttention: flags.flashAttention,
    };
  }

  /**
   * node-llama-cpp's view of this machine (GPU, backend, release), loaded once: status is asked for
   * often (the editor, /models/quants) and the bindings need not load again. The host itself never
   * loads a model, so asking here is safe.
   */
  private machine(): Promise<Llama> {
    this.llama ??= import("node-llama-cpp").then(({ getLlama }) => getLlama({ gpu: this.options.gpu === "none" ? false : (this.options.gpu ?? "auto") }));
    // A failed start (no binary for this GPU) is tried again at the next question.
    this.llama.catch(() => (this.llama = undefined));
    return this.llama;
  }

  async status(): Promise<EngineStatus> {
    try {
      const llama = await this.machine();
      const vram = llama.gpu ? await llama.getVramState() : undefined;
      return {
        name: this.name,
        state: "running",
        version: llama.llamaCppRelease.release,
        detail: `llama.cpp ${llama.llamaCppRelease.release} (node-llama-cpp, ${llama.gpu || "CPU"})`,
        gpu: {
          backend: llama.gpu || "cpu",
          devices: llama.gpu ? await llama.getGpuDeviceNames() : [],
          freeMemory: vram?.free ?? os.freemem(),
          totalMemory: vram?.total ?? os.totalmem(),
        },
      };
    } catch (error) {
      return { name: this.name, state: "error", detail: (error as Error).message };
    }
  }
}
