import * as vscode from "vscode";
import { ResponseError } from "vscode-languageclient/node";
import { ControlErrorDataSchema } from "../host/protocol/control";

/** A request the host refused, with the fix it suggests. */
export class HostError extends Error {
  constructor(
    message: string,
    readonly fix: string | undefined,
    readonly type: string,
  ) {
    super(message);
  }

  static from(error: unknown): HostError | Error {
    if (error instanceof HostError || !(error instanceof ResponseError)) return error instanceof Error ? error : new Error(String(error));
    const data = ControlErrorDataSchema.safeParse(error.data);
    return new HostError(error.message, data.success ? data.data.fix : undefined, data.success ? data.data.type : "server_error");
  }

  get cancelled(): boolean {
    return this.type === "cancelled";
  }
}

/** Shows what went wrong and what to do about it; a cancellation the user asked for is not an error. */
export function showError(error: unknown): void {
  const failure = HostError.from(error);
  if (failure instanceof HostError && failure.cancelled) return;
  const fix = failure instanceof HostError && failure.fix ? ` ${failure.fix}` : "";
  void vscode.window.showErrorMessage(`Model Runner: ${failure.message}.${fix}`.replace(/\.\./g, "."));
}
