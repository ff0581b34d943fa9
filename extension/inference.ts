/**
 * Inference over the host's HTTP API, the OpenAI-compatible routes any client uses: chat streamed as SSE from
 * `/engines/v1/chat/completions`, fill-in-the-middle from llama.cpp's `/infill`.
 */
import { z } from "zod";
import { sseEvents } from "../host/protocol/sse";
import { postJson } from "./host-api";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatAnswer {
  text: string;
  /** The engine's generation speed for this answer, when it reports one. */
  tokensPerSecond: number | undefined;
}

const ChatChunkSchema = z.looseObject({
  choices: z.array(z.looseObject({ delta: z.looseObject({ content: z.string().nullish() }) })),
  timings: z.looseObject({ predicted_n: z.number(), predicted_ms: z.number() }).optional(),
});

const InfillAnswerSchema = z.looseObject({ content: z.string() });

export async function streamChat(
  apiUrl: string,
  model: string,
  messages: ChatMessage[],
  signal: AbortSignal,
  onText: (text: string) => void,
): Promise<ChatAnswer> {
  const response = await postJson(`${apiUrl}/engines/v1/chat/completions`, { model, messages, stream: true }, signal);
  let text = "";
  let tokensPerSecond: number | undefined;
  for await (const event of sseEvents(response)) {
    const chunk = ChatChunkSchema.parse(event);
    const delta = chunk.choices[0]?.delta.content;
    if (delta) {
      text += delta;
      onText(delta);
    }
    if (chunk.timings && chunk.timings.predicted_ms > 0) tokensPerSecond = chunk.timings.predicted_n / (chunk.timings.predicted_ms / 1000);
  }
  return { text, tokensPerSecond };
}

export interface InfillRequest {
  model: string;
  prefix: string;
  suffix: string;
  extra: { filename: string; text: string }[];
  maxTokens: number;
  /** The engine stops predicting after this long, whatever it has. */
  timeMs: number;
}

export async function infill(apiUrl: string, request: InfillRequest, signal: AbortSignal): Promise<string> {
  const response = await postJson(
    `${apiUrl}/infill`,
    {
      model: request.model,
      input_prefix: request.prefix,
      input_suffix: request.suffix,
      input_extra: request.extra,
      n_predict: request.maxTokens,
      t_max_predict_ms: request.timeMs,
      cache_prompt: true,
    },
    signal,
  );
  return InfillAnswerSchema.parse(await response.json()).content;
}
