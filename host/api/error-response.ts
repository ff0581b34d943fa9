import type { ServerResponse } from "node:http";
import { ZodError } from "zod";
import { BusyError, InternalError, isLmrError, UserError, type LmrError } from "../errors";
import { log } from "../log";
import type { OpenAIErrorBody } from "../protocol/openai";

/** Every error the API sends, in OpenAI's shape; zod's complaints become 400s naming the field. */
export function toLmrError(error: unknown): LmrError {
  if (isLmrError(error)) return error;
  if (error instanceof ZodError) {
    const issue = error.issues[0]!;
    const param = issue.path.map(String).join(".") || undefined;
    return new UserError(param ? `${param}: ${issue.message}` : issue.message, {
      param,
      code: "invalid_request",
      fix: error.issues.length > 1 ? `${error.issues.length - 1} more problem(s) in the request body.` : undefined,
    });
  }
  log.write("error", "api", `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return new InternalError(error instanceof Error ? error.message : String(error), {
    fix: "This is a bug in Local Model Runner; `lmr logs` has the details.",
  });
}

export function errorBody(error: LmrError): OpenAIErrorBody {
  return {
    error: {
      message: error.fix ? `${error.message}. ${error.fix}` : error.message,
      type: error.type,
      param: error.param ?? null,
      code: error.code ?? null,
    },
  };
}

export function sendError(res: ServerResponse, raw: unknown): void {
  const error = toLmrError(raw);
  if (res.headersSent) {
    // A stream already started: the error travels as one more event, as OpenAI's servers do.
    if (!res.writableEnded) res.end(`data: ${JSON.stringify(errorBody(error))}\n\n`);
    return;
  }
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (error instanceof BusyError) headers["retry-after"] = String(error.retryAfterSeconds);
  res.writeHead(error.status, headers).end(JSON.stringify(errorBody(error)));
}
