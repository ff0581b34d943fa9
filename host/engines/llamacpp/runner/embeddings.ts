import type { EmbeddingsRequest } from "../../../protocol/openai";
import type { RunnerResult } from "../../../protocol/runner";
import { UserError } from "../../../errors";
import type { LoadedModel } from "./loaded-model";

export async function embeddings(loaded: LoadedModel, body: EmbeddingsRequest): Promise<RunnerResult> {
  const inputs = typeof body.input === "string" ? [body.input] : body.input;
  const context = await loaded.embeddingContext();
  const vectors: number[][] = [];
  let promptTokens = 0;
  for (const [index, input] of inputs.entries()) {
    const tokens = loaded.model.tokenize(input);
    if (tokens.length > loaded.contextSize)
      throw new UserError(`input[${index}] is ${tokens.length} tokens long, but the model's context holds ${loaded.contextSize}`, {
        param: "input",
        code: "context_length_exceeded",
        fix: "Split the input into smaller pieces, or raise the context size with lmr configure --context-size.",
      });
    promptTokens += tokens.length;
    const { vector } = await context.getEmbeddingFor(tokens);
    vectors.push(body.dimensions ? [...vector.slice(0, body.dimensions)] : [...vector]);
  }
  return { kind: "embeddings", vectors, promptTokens };
}
