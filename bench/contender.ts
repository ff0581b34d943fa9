import type { Sample } from "./measure";

export interface CompletionRequest {
  prompt: string;
  /** Generated exactly, greedily, past any end-of-sequence token. */
  maxTokens: number;
  /** Tokens the random model must not pick (see Prompts.textlessTokens). */
  bannedTokens: readonly number[];
}

/** One way of running the model that the benchmark measures: a column of the table. */
export interface Contender {
  readonly name: string;
  complete(request: CompletionRequest): Promise<Sample>;
  close(): Promise<void>;
}
