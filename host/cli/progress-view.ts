import { progressLineSchema, type ProgressLine } from "../protocol/progress";
import { UpstreamError } from "../errors";

import { formatBytes } from "../format-bytes";

/** Draws progress lines as they come from a transfer running in this process. */
export function progressPrinter(out: NodeJS.WriteStream): (line: ProgressLine) => void {
  const view = out.isTTY ? new TerminalView(out) : new PlainView(out);
  return (line) => {
    if (line.type !== "success") view.show(line);
  };
}

/** Reads a pull or push NDJSON stream, drawing it; resolves with the final message, throws on an error line. */
export async function showProgress(response: Response, out: NodeJS.WriteStream = process.stdout): Promise<string> {
  const view = out.isTTY ? new TerminalView(out) : new PlainView(out);
  const decoder = new TextDecoder();
  let buffer = "";
  let final = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const text = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 1);
      if (!text) continue;
      const line = progressLineSchema.parse(JSON.parse(text));
      if (line.type === "error") throw new UpstreamError(line.message);
      if (line.type === "success") final = line.message;
      view.show(line);
    }
  }
  return final;
}

interface LayerState {
  size: number;
  current: number;
  started: number;
}

/** One bar per layer, redrawn in place, with bytes, speed and time left. */
class TerminalView {
  private readonly layers = new Map<string, LayerState>();
  private drawn = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  show(line: ProgressLine): void {
    if (line.type !== "progress" || !line.layer) {
      this.out.write(`${line.message}\n`);
      this.drawn = 0;
      return;
    }
    const state = this.layers.get(line.layer.id) ?? { size: line.layer.size, current: 0, started: Date.now() };
    state.current = line.layer.current;
    this.layers.set(line.layer.id, state);
    this.draw();
  }

  private draw(): void {
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
    const width = 30;
    for (const [id, layer] of this.layers) {
      const fraction = layer.size ? layer.current / layer.size : 1;
      const seconds = (Date.now() - layer.started) / 1000;
      const speed = seconds > 0 ? layer.current / seconds : 0;
      const eta = speed > 0 && fraction < 1 ? `${Math.ceil((layer.size - layer.current) / speed)}s left` : fraction >= 1 ? "done" : "";
      const bar = "█".repeat(Math.round(fraction * width)).padEnd(width, "░");
      this.out.write(`\x1b[2K${id.slice(7, 19)} ${bar} ${formatBytes(layer.current)}/${formatBytes(layer.size)} ${formatBytes(speed)}/s ${eta}\n`);
    }
    this.drawn = this.layers.size;
  }
}

/** Piped output gets one line per layer as it completes, then the result. */
class PlainView {
  private readonly done = new Set<string>();

  constructor(private readonly out: NodeJS.WriteStream) {}

  show(line: ProgressLine): void {
    if (line.type !== "progress" || !line.layer) return void this.out.write(`${line.message}\n`);
    if (line.layer.current >= line.layer.size && !this.done.has(line.layer.id)) {
      this.done.add(line.layer.id);
      this.out.write(`${line.layer.id.slice(7, 19)}: ${formatBytes(line.layer.size)} done\n`);
    }
  }
}
