import type { ServerResponse } from "node:http";

/** Server-sent events as OpenAI streams them: `data: <json>` lines, closed by `data: [DONE]`. */
export class SseStream {
  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.flushHeaders();
  }

  private corked = false;

  send(data: unknown): void {
    if (this.res.writableEnded) return;
    // Chunks sent in one tick (a runner's message carries every token generated since its last) leave in
    // one write, and the client wakes once for them.
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(() => {
        this.corked = false;
        this.res.uncork();
      });
    }
    this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  done(marker = true): void {
    if (this.res.writableEnded) return;
    this.res.end(marker ? "data: [DONE]\n\n" : undefined);
  }
}
