import * as vscode from "vscode";
import type { ChatMessage } from "../inference";

/** The editor's chat messages as OpenAI chat messages: their text parts, in order; tool and data parts are not sent. */
export function toChatMessages(messages: readonly vscode.LanguageModelChatRequestMessage[]): ChatMessage[] {
  return messages.map((message) => ({
    role: message.role === vscode.LanguageModelChatMessageRole.Assistant ? "assistant" : "user",
    content: message.content
      .filter((part): part is vscode.LanguageModelTextPart => part instanceof vscode.LanguageModelTextPart)
      .map((part) => part.value)
      .join(""),
  }));
}
