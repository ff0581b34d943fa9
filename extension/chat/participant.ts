/** `@lmr` in the editor's chat view: answers with the chosen local model, or the chat model when another vendor's is picked. */
import * as vscode from "vscode";
import type { HostConnection } from "../client";
import { streamChat, type ChatMessage } from "../inference";
import { chatModel } from "../model-choice";
import { LM_VENDOR } from "./provider";

export const PARTICIPANT_ID = "lmr.chat";

export function registerParticipant(host: HostConnection, onAnswer: (tokensPerSecond: number | undefined) => void): vscode.Disposable {
  const participant = vscode.chat.createChatParticipant(PARTICIPANT_ID, async (request, context, stream, token) => {
    const model = request.model.vendor === LM_VENDOR ? request.model.id : await chatModel(host);
    if (!model) {
      stream.markdown("No local model yet. Pull or package one, then ask again.");
      stream.button({ command: "lmr.pull", title: "Pull a Model" });
      return;
    }
    const controller = new AbortController();
    const cancelled = token.onCancellationRequested(() => controller.abort());
    try {
      const answer = await streamChat(await host.apiUrl(), model, [...history(context), { role: "user", content: request.prompt }], controller.signal, (text) =>
        stream.markdown(text),
      );
      onAnswer(answer.tokensPerSecond);
      return { metadata: { model } };
    } finally {
      cancelled.dispose();
    }
  });
  participant.iconPath = new vscode.ThemeIcon("server-process");
  return participant;
}

/** Earlier turns with `@lmr`, so a follow-up question keeps its context. */
function history(context: vscode.ChatContext): ChatMessage[] {
  return context.history.flatMap((turn): ChatMessage[] => {
    if (turn instanceof vscode.ChatRequestTurn) return [{ role: "user", content: turn.prompt }];
    const text = turn.response
      .filter((part): part is vscode.ChatResponseMarkdownPart => part instanceof vscode.ChatResponseMarkdownPart)
      .map((part) => part.value.value)
      .join("");
    return [{ role: "assistant", content: text }];
  });
}
