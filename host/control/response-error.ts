import { ErrorCodes, LSPErrorCodes, ResponseError } from "vscode-languageserver/node";
import { z } from "zod";
import { isLmrError } from "../errors";
import type { ControlErrorData } from "../protocol/control";

/** A failed request as the editor receives it: the message, and in `data` the error's type and the fix to show. */
export function toResponseError(error: unknown, signal: AbortSignal): ResponseError<ControlErrorData> {
  if (signal.aborted) return new ResponseError(LSPErrorCodes.RequestCancelled, "cancelled", { type: "cancelled" });
  if (isLmrError(error)) {
    return new ResponseError(LSPErrorCodes.RequestFailed, error.message, { type: error.type, fix: error.fix, code: error.code });
  }
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    return new ResponseError(ErrorCodes.InvalidParams, `${issue?.path.join(".") || "params"}: ${issue?.message ?? "not accepted"}`, {
      type: "invalid_request_error",
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ResponseError(ErrorCodes.InternalError, message, { type: "server_error" });
}
