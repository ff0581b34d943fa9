import type { LlamaContext, LlamaContextSequence, Token } from "node-llama-cpp";

/**
 * The context's sequences, lent one per request. A request gets the free sequence whose cached
 * tokens share the longest prefix with its prompt, so the next turn of a chat (or any prompt with
 * the same system prompt) re-evaluates only what is new.
 */
export class SequencePool {
  private readonly free: LlamaContextSequence[];
  private readonly waiting: (() => void)[] = [];

  constructor(
    context: LlamaContext,
    private readonly size: number,
  ) {
    this.free = Array.from({ length: size }, () => context.getSequence());
  }

  /** Sequences lent out now. */
  get busy(): number {
    return this.size - this.free.length;
  }

  async acquire(prompt: readonly Token[]): Promise<LlamaContextSequence> {
    while (this.free.length === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    let best = 0;
    let bestShared = -1;
    this.free.forEach((sequence, index) => {
      const shared = sharedPrefixLength(sequence.contextTokens, prompt);
      if (shared > bestShared) [best, bestShared] = [index, shared];
    });
    return this.free.splice(best, 1)[0]!;
  }

  release(sequence: LlamaContextSequence): void {
    this.free.push(sequence);
    this.waiting.shift()?.();
  }
}

export function sharedPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  const limit = Math.min(a.length, b.length);
  let i = 0;
  while (i < limit && a[i] === b[i]) i++;
  return i;
}
