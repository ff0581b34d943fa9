import type { Sample } from "./measure";

/** One way of running the model that the benchmark measures: a column of the table. */
export interface Contender {
  readonly name: string;
  /** Generates exactly `maxTokens` tokens after `prompt`, greedily, ignoring end-of-sequence tokens. */
  complete(prompt: string, maxTokens: number): Promise<Sample>;
  close(): Promise<void>;
}
