import { LlamaChat, type ChatHistoryItem, type ChatModelFunctionCall, type ChatModelFunctions, type GbnfJsonSchema, type LlamaGrammar } from "node-llama-cpp";
import { UserError } from "../../../errors";
import type { ChatCompletionRequest, ChatMessage } from "../../../protocol/openai";
import type { RunnerResult } from "../../../protocol/runner";
import type { LoadedModel } from "./loaded-model";
import { samplingOptions } from "./sampling";
import { generate, type Emit } from "./generate";

export async function chatCompletion(loaded: LoadedModel, body: ChatCompletionRequest, emit: Emit, signal: AbortSignal): Promise<RunnerResult> {
  const functions = body.tool_choice === "none" ? undefined : toFunctions(body);
  const grammar = functions ? undefined : await responseGrammar(loaded, body);
  const chatHistory = toChatHistory(body.messages);
  const { contextText } = loaded.chatWrapper.generateContextState({ chatHistory, availableFunctions: functions, documentFunctionParams: true });
  const prompt = contextText.tokenize(loaded.model.tokenizer);

  return generate(loaded, prompt, body.max_completion_tokens ?? body.max_tokens, async (sequence, maxTokens, onToken) => {
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: loaded.chatWrapper, autoDisposeSequence: false });
    try {
      const sampling = samplingOptions(loaded.model, body);
      const common = {
        ...sampling,
        maxTokens,
        signal,
        stopOnAbortSignal: true,
        onToken,
        onTextChunk: emit,
        // generate() refuses prompts that do not fit and bounds the output to the room left, so no
        // shift is ever needed; node-llama-cpp's default reserve would refuse prompts that do fit.
        contextShift: { size: 1 },
      };
      const response = functions
        ? await chat.generateResponse(chatHistory, { ...common, functions, documentFunctionParams: true })
        : await chat.generateResponse(chatHistory, { ...common, grammar });
      const toolCalls = (response.functionCalls ?? []).map((call) => ({
        name: call.functionName,
        arguments: JSON.stringify(call.params ?? {}),
      }));
      const reason = response.metadata.stopReason;
      return {
        text: response.response,
        toolCalls,
        finishReason: toolCalls.length > 0 ? "tool_calls" : reason === "maxTokens" ? "length" : "stop",
        stopType: reason === "maxTokens" ? "limit" : reason === "customStopTrigger" ? "word" : "eos",
      };
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  }, { cachePrompt: body.cache_prompt });
}

function toFunctions(body: ChatCompletionRequest): ChatModelFunctions | undefined {
  if (!body.tools?.length) return undefined;
  const named = typeof body.tool_choice === "object" ? body.tool_choice?.function.name : undefined;
  const tools = named ? body.tools.filter((tool) => tool.function.name === named) : body.tools;
  if (named && tools.length === 0)
    throw new UserError(`tool_choice names the function "${named}", which is not in tools`, {
      param: "tool_choice",
      fix: "Name one of the functions listed in tools.",
    });
  return Object.fromEntries(
    tools.map((tool) => [
      tool.function.name,
      { description: tool.function.description, params: tool.function.parameters as GbnfJsonSchema | undefined },
    ]),
  );
}

async function responseGrammar(loaded: LoadedModel, body: ChatCompletionRequest): Promise<LlamaGrammar | undefined> {
  const format = body.response_format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return loaded.llama.getGrammarFor("json");
  try {
    return await loaded.llama.createGrammarForJsonSchema(format.json_schema.schema as never);
  } catch (error) {
    throw new UserError(`response_format.json_schema cannot be enforced: ${(error as Error).message}`, {
      param: "response_format",
      fix: "Use the JSON Schema subset llama.cpp grammars support: objects, arrays, strings, numbers, booleans, enums, const, anyOf.",
    });
  }
}

function textOf(content: ChatMessage["content"]): string {
  if (content == null) return "";
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}

/**
 * OpenAI keeps tool results as separate `tool` messages; node-llama-cpp keeps each result on its
 * call inside the model's turn, so results are matched back to their calls by id.
 */
export function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const pendingCalls = new Map<string, ChatModelFunctionCall>();
  for (const [index, message] of messages.entries()) {
    switch (message.role) {
      case "system":
      case "developer":
        history.push({ type: "system", text: textOf(message.content) });
        break;
      case "user":
        history.push({ type: "user", text: textOf(message.content) });
        break;
      case "assistant": {
        const response: (string | ChatModelFunctionCall)[] = [];
        const text = textOf(message.content);
        if (text) response.push(text);
        for (const call of message.tool_calls ?? []) {
          const item: ChatModelFunctionCall = { type: "functionCall", name: call.function.name, params: parseArguments(call.function.arguments, index), result: undefined };
          pendingCalls.set(call.id, item);
          response.push(item);
        }
        history.push({ type: "model", response });
        break;
      }
      case "tool": {
        const call = pendingCalls.get(message.tool_call_id);
        if (!call)
          throw new UserError(`messages[${index}] answers tool call "${message.tool_call_id}", which no earlier assistant message made`, {
            param: `messages[${index}].tool_call_id`,
            fix: "Send the assistant message with its tool_calls before the tool results.",
          });
        call.result = textOf(message.content);
        pendingCalls.delete(message.tool_call_id);
        break;
      }
    }
  }
  history.push({ type: "model", response: [] });
  return history;
}

function parseArguments(text: string, index: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`messages[${index}] has tool call arguments that are not JSON`, {
      param: `messages[${index}].tool_calls`,
      fix: "Send each tool call's arguments as a JSON string.",
    });
  }
}
