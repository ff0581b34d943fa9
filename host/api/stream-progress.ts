import type { ServerResponse } from "node:http";
import type { ProgressLine, ProgressListener } from "../protocol/progress";
import { toLmrError } from "./error-response";

/**
 * Long work (pull, push, a build) streams NDJSON progress lines, Docker Model Runner's shape; a failure is the last line. A client
 * that goes away cancels the work (`signal`): no failure then, and nobody left to tell.
 */
export async function streamProgress(res: ServerResponse, signal: AbortSignal, work: (onProgress: ProgressListener) => Promise<unknown>): Promise<void> {
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  const write = (line: ProgressLine) => res.write(`${JSON.stringify(line)}\n`);
  try {
    await work(write);
  } catch (raw) {
    if (!signal.aborted) write({ type: "error", message: toLmrError(raw).userMessage });
  }
  res.end();
}
