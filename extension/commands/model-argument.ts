import type { HostConnection } from "../client";
import { pickModel } from "../model-choice";
import { LoadedModelItem } from "../views/engines";
import { ModelItem } from "../views/models";

/** A command's model: a row of the Models or Engines view, a name passed by a caller, or else one the user picks. */
export type ModelArgument = string | ModelItem | LoadedModelItem | undefined;

export async function modelName(argument: unknown, host: HostConnection, placeHolder: string): Promise<string | undefined> {
  return namedModel(argument) ?? pickModel(host, placeHolder);
}

/** The model the argument names, if it names one. */
export function namedModel(argument: unknown): string | undefined {
  if (typeof argument === "string" && argument) return argument;
  if (argument instanceof ModelItem) return argument.model.name;
  if (argument instanceof LoadedModelItem) return argument.loaded.model;
  return undefined;
}

/** Called with a name, the command runs for a caller (a test, another extension) and asks nothing it need not. */
export function fromCaller(argument: unknown): boolean {
  return typeof argument === "string";
}
