/** Messages between the benchmark and its node-llama-cpp process (Node IPC), parsed on arrival. */
import { z } from "zod";
import { SampleSchema } from "./measure";

export const ToDirectSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("load"),
    modelPath: z.string(),
    threads: z.number().int().min(1),
    contextSize: z.number().int().min(1),
    sequences: z.number().int().min(1),
  }),
  z.object({ type: z.literal("complete"), prompt: z.string(), maxTokens: z.number().int().min(1), bannedTokens: z.array(z.number().int()) }),
]);
export type ToDirect = z.infer<typeof ToDirectSchema>;

export const FromDirectSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("loaded") }),
  z.object({ type: z.literal("sample"), sample: SampleSchema }),
  z.object({ type: z.literal("failed"), message: z.string() }),
]);
export type FromDirect = z.infer<typeof FromDirectSchema>;
