import type { IncomingMessage } from "node:http";
import type { z } from "zod";
import { PayloadTooLargeError, UserError } from "../errors";

/** Docker Model Runner's request body limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
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
