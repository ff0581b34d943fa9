import { getLlama, LlamaLogLevel, resolveChatWrapper, type ChatWrapper, type Llama, type LlamaContext, type LlamaEmbeddingContext, type LlamaModel } from "node-llama-cpp";
import type { RunnerInfo, RunnerLoadOptions } from "../../../protocol/runner";
import { SequencePool } from "./sequence-pool";
import { log } from "./log";

/** A model loaded in this runner with its one context, whose sequences serve requests in parallel. */
export interface LoadedModel {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  pool: SequencePool;
  contextSize: number;
  chatWrapper: ChatWrapper;
  /** Created on the first embeddings request: most models are only ever used for chat. */
  embeddingContext(): Promise<LlamaEmbeddingContext>;
  info: RunnerInfo;
}

export async function loadModel(options: RunnerLoadOptions): Promise<LoadedModel> {
  const llama = await getLlama({
    gpu: options.gpu === "none" ? false : options.gpu,
    maxThreads: options.threads,
    cmakeOptions: options.cmakeOptions,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => log(level, message),
  });
  const model = await llama.loadModel({ modelPath: options.modelPath, gpuLayers: options.gpuLayers === "auto" ? { fitContext: { contextSize: options.contextSize * options.parallel } } : options.gpuLayers });
  let pool: SequencePool | undefined;
  const context = await model.createContext({
    contextSize: options.contextSize,
    sequences: options.parallel,
    threads: options.threads,
    batchSize: options.batchSize,
    flashAttention: options.flashAttention,
    batching: {
      // Waiting a cycle lets several sequences' tokens share one decode; with one request running
      // there is nothing to gather, and the wait is time per token that llama-server does not spend.
      dispatchSchedule: (dispatch) => (pool?.busy === 1 ? dispatch() : setImmediate(dispatch)),
    },
  });
  pool = new SequencePool(context, options.parallel);
  let embeddingContext: Promise<LlamaEmbeddingContext> | undefined;
  const vram = await llama.getVramState();
  return {
    llama,
    model,
    context,
    pool,
    contextSize: context.contextSize,
    chatWrapper: resolveChatWrapper(model),
    embeddingContext: () => (embeddingContext ??= model.createEmbeddingContext({ contextSize: context.contextSize, threads: options.threads })),
    info: {
      llamaCppRelease: llama.llamaCppRelease.release,
      build: llama.buildType === "localBuild" ? "local" : "prebuilt",
      gpu: llama.gpu,
      gpuDevices: llama.gpu ? await llama.getGpuDeviceNames() : [],
      gpuLayers: model.gpuLayers,
      contextSize: context.contextSize,
      parallel: options.parallel,
      threads: options.threads,
      trainContextSize: model.trainContextSize,
      memory: { ram: model.size, vram: vram.used },
      fim: model.tokens.infill.prefix != null && model.tokens.infill.suffix != null && model.tokens.infill.middle != null,
    },
  };
}
