import * as vscode from "vscode";

/** llama.vscode's extra context: 16 chunks of 64 lines from files the user recently edited. */
const MAX_CHUNKS = 16;
const CHUNK_LINES = 64;

export interface Chunk {
  filename: string;
  text: string;
}

/** Remembers, per edit, the lines around it in other files, so a completion sees the code the user works on. */
export class RecentChunks implements vscode.Disposable {
  private readonly chunks: (Chunk & { key: string })[] = [];
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.subscription = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document.uri.scheme !== "file" || event.contentChanges.length === 0) return;
      this.remember(event.document, event.contentChanges[0]!.range.start.line);
    });
  }

  /** The chunks from files other than `current`, newest last (nearest the cursor in the prompt). */
  around(current: vscode.Uri): Chunk[] {
    const name = vscode.workspace.asRelativePath(current);
    return this.chunks.filter((chunk) => chunk.filename !== name).map(({ filename, text }) => ({ filename, text }));
  }

  private remember(document: vscode.TextDocument, line: number): void {
    const start = Math.max(0, line - CHUNK_LINES / 2);
    const end = Math.min(document.lineCount, start + CHUNK_LINES);
    const filename = vscode.workspace.asRelativePath(document.uri);
    const key = `${filename}:${Math.floor(start / CHUNK_LINES)}`;
    const text = document.getText(new vscode.Range(start, 0, end, 0));
    const existing = this.chunks.findIndex((chunk) => chunk.key === key);
    if (existing >= 0) this.chunks.splice(existing, 1);
    this.chunks.push({ key, filename, text });
    if (this.chunks.length > MAX_CHUNKS) this.chunks.shift();
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
