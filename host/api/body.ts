import type { IncomingMessage } from "node:http";
import type { z } from "zod";
import { PayloadTooLargeError, UserError } from "../errors";

/** Docker Model Runner's request body limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Past this, an oversized upload is cut off rather than drained. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // An oversized body is read to its end (up to a bound) and dropped, so that the client, which
    // is still sending, gets the 413 instead of a broken pipe.
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_DRAIN_BYTES) req.destroy();
    });
    req.on("end", () => (size > MAX_BODY_BYTES ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", reject);
    req.on("close", () => size > MAX_BODY_BYTES && reject(tooLarge()));
  });
  if (!text.trim()) throw new UserError("the request has no body", { fix: "Send a JSON object with Content-Type: application/json." });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`the request body is not valid JSON: ${(error as Error).message}`, { code: "invalid_json", fix: "Send a JSON object." });
  }
}

export async function readBody<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.infer<S>> {
  return schema.parse(await readJson(req));
}

function tooLarge() {
  return new PayloadTooLargeError(`the request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`, {
    code: "body_too_large",
    fix: "Send a shorter prompt or fewer inputs per request.",
  });
}
