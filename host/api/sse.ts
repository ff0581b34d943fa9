import type { ServerResponse } from "node:http";

/** Server-sent events as OpenAI streams them: `data: <json>` lines, closed by `data: [DONE]`. */
export class SseStream {
  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.flushHeaders();
  }

  send(data: unknown): void {
    if (!this.res.writableEnded) this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  done(marker = true): void {
    if (this.res.writableEnded) return;
    this.res.end(marker ? "data: [DONE]\n\n" : undefined);
  }
}
