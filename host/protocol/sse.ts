import { UpstreamError } from "../errors";

/** The `data:` payloads of a server-sent event stream, until `[DONE]`. */
export async function* sseEvents(response: Response): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (!data) continue;
      if (data === "[DONE]") return;
      const parsed = JSON.parse(data) as { error?: { message: string } };
      if (parsed.error) throw new UpstreamError(parsed.error.message);
      yield parsed;
    }
  }
}
