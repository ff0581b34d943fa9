/**
 * Inline completions from a fill-in-the-middle model through the host's `/infill`, shaped after llama.vscode:
 * a prefix and suffix window around the cursor, chunks of recently edited files, a debounce, cancellation when
 * the user types on, a time cap on prediction, and a cache of recent answers.
 */
import * as vscode from "vscode";
import type { HostConnection } from "../client";
import { infill } from "../inference";
import { completionModel } from "../model-choice";
import { readSettings } from "../settings";
import { RecentChunks } from "./recent-chunks";

const CACHE_SIZE = 250;

export class InfillCompletionProvider implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  private readonly cache = new Map<string, string>();
  private readonly recent = new RecentChunks();

  constructor(private readonly host: HostConnection) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[]> {
    const settings = readSettings().completion;
    if (!settings.enabled) return [];
    const prefix = document.getText(new vscode.Range(Math.max(0, position.line - settings.prefixLines), 0, position.line, position.character));
    const suffixEnd = Math.min(document.lineCount - 1, position.line + settings.suffixLines);
    const suffix = document.getText(new vscode.Range(position, document.lineAt(suffixEnd).range.end));
    const key = `${prefix}\u0000${suffix}`;

    let text = this.cache.get(key);
    if (text === undefined) {
      // Each keystroke cancels the previous request; waiting a moment first spares the model those requests.
      if (!(await delay(settings.debounceMs, token))) return [];
      const model = await completionModel(this.host);
      if (!model || token.isCancellationRequested) return [];
      const controller = new AbortController();
      const cancelled = token.onCancellationRequested(() => controller.abort());
      try {
        text = await infill(
          await this.host.apiUrl(),
          { model, prefix, suffix, extra: this.recent.around(document.uri), maxTokens: settings.maxTokens, timeMs: settings.timeoutMs },
          AbortSignal.any([controller.signal, AbortSignal.timeout(settings.timeoutMs * 4)]),
        );
      } catch {
        // A cancelled or failed completion shows nothing; typing on asks again.
        return [];
      } finally {
        cancelled.dispose();
      }
      this.remember(key, text);
    }
    if (!text.trim()) return [];
    return [new vscode.InlineCompletionItem(text, new vscode.Range(position, position))];
  }

  private remember(key: string, text: string): void {
    this.cache.set(key, text);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
  }

  dispose(): void {
    this.recent.dispose();
  }
}

/** Waits `ms`; false when the request was cancelled meanwhile. */
function delay(ms: number, token: vscode.CancellationToken): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      resolve(true);
    }, ms);
    const subscription = token.onCancellationRequested(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
