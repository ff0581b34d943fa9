import { type ErrorType, LmrError } from "../errors";

/** The store's own files are damaged or unreadable: a fault on this machine, not in the request. */
export class StoreError extends LmrError {
  readonly status = 500;
  readonly type: ErrorType = "server_error";
}
