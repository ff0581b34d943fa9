/**
 * One error hierarchy for the whole product. The API maps it to HTTP status and OpenAI error JSON
 * (host/api/error-response.ts), the CLI and the extension print `message` and `fix`.
 */

export type ErrorType =
  | "invalid_request_error"
  | "not_found_error"
  | "conflict_error"
  | "authentication_error"
  | "permission_error"
  | "rate_limit_error"
  | "server_error"
  | "engine_unavailable";

export interface LmrErrorOptions {
  /** What the user can do about it, shown after the message. */
  fix?: string;
  /** The request field at fault, reported as OpenAI's `param`. */
  param?: string;
  /** A stable, machine-readable code, reported as OpenAI's `code`. */
  code?: string;
  cause?: unknown;
}

export abstract class LmrError extends Error {
  abstract readonly status: number;
  abstract readonly type: ErrorType;
  readonly fix: string | undefined;
  readonly param: string | undefined;
  readonly code: string | undefined;

  constructor(message: string, options: LmrErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.fix = options.fix;
    this.param = options.param;
    this.code = options.code;
  }

  /** The message followed by its fix, as a person reads it in the CLI or a notification. */
  get userMessage(): string {
    return this.fix ? `${this.message}\n${this.fix}` : this.message;
  }
}

/** Something in the request is wrong; the fix says what to send instead. */
export class UserError extends LmrError {
  readonly status: number = 400;
  readonly type: ErrorType = "invalid_request_error";
}

export class NotFoundError extends LmrError {
  readonly status = 404;
  readonly type: ErrorType = "not_found_error";
}

export class ConflictError extends LmrError {
  readonly status = 409;
  readonly type: ErrorType = "conflict_error";
}

export class AuthenticationError extends LmrError {
  readonly status = 401;
  readonly type: ErrorType = "authentication_error";
}

export class PermissionError extends LmrError {
  readonly status = 403;
  readonly type: ErrorType = "permission_error";
}

export class PayloadTooLargeError extends UserError {
  override readonly status = 413;
}

/** The model's queue is full; the client should retry after `retryAfterSeconds`. */
export class BusyError extends LmrError {
  readonly status = 503;
  readonly type: ErrorType = "rate_limit_error";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options: LmrErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** An engine cannot run here or has stopped (missing binary, no GPU, a crashed runner). */
export class EngineUnavailableError extends LmrError {
  readonly status: number = 503;
  readonly type: ErrorType = "engine_unavailable";
}

/** The engine failed while serving a request (a runner crashed mid-request, say). */
export class EngineError extends LmrError {
  readonly status = 500;
  readonly type: ErrorType = "server_error";
}

/** A registry or upstream server answered with an error. */
export class UpstreamError extends LmrError {
  readonly status = 502;
  readonly type: ErrorType = "server_error";
}

export function isLmrError(error: unknown): error is LmrError {
  return error instanceof LmrError;
}

/** A fault of ours; the message is all we know, and the log has the stack. */
export class InternalError extends LmrError {
  readonly status = 500;
  readonly type: ErrorType = "server_error";
}

export class MethodNotAllowedError extends UserError {
  override readonly status = 405;
}
