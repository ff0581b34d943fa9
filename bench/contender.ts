import type { Sample } from "./measure";

export interface CompletionRequest {
  prompt: string;
  /** Generated exactly, greedily, past any end-of-sequence token. */
  maxTokens: number;
  /** Tokens the random model must not pick (see Prompts.textlessTokens). */
  bannedTokens: readonly number[];
  /** False asks the server to evaluate the whole prompt again (llama.cpp server's `cache_prompt`). */
  cachePrompt?: boolean;
}

/** One way of running the model that the benchmark measures: a column of the table. */
export interface Contender {
  readonly name: string;
  complete(request: CompletionRequest): Promise<Sample>;
  close(): Promise<void>;
}
