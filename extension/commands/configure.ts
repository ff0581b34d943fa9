import * as vscode from "vscode";
import { z } from "zod";
import { type ControlParams } from "../../host/protocol/control";
import { KeepAliveSchema } from "../../host/protocol/store";
import type { CommandContext } from "./context";
import { fromCaller, modelName } from "./model-argument";

type Patch = ControlParams<"configure">["patch"];

const HfOverridesSchema = z.record(z.string(), z.unknown());

/**
 * `lmr.configure [model, patch]`: context size, keep-alive and, for vLLM models, `hf_overrides`, each checked as it
 * is typed; a field left empty is cleared. Takes effect on the model's next load.
 */
export async function configure({ host }: CommandContext, argument?: unknown, patch?: unknown): Promise<unknown> {
  const model = await modelName(argument, host, "Configure which model?");
  if (!model) return undefined;
  if (fromCaller(argument) && patch !== undefined) return host.request("configure", { model, patch: patch as Patch });

  const details = await host.request("inspect", { model });
  const current = details.configuration;
  const contextSize = await ask("Context size in tokens (empty: the model's default)", current.contextSize?.toString(), (value) =>
    /^\d+$/.test(value) && Number(value) >= 16 ? undefined : "A whole number of tokens, 16 or more.",
  );
  if (contextSize === undefined) return undefined;
  const keepAlive = await ask('Keep-alive after the last request: "5m", "1h", "0" (unload at once) or "-1" (never)', current.keepAlive, (value) =>
    KeepAliveSchema.safeParse(value).success ? undefined : 'A duration like "5m", "1h30m", "0" or "-1".',
  );
  if (keepAlive === undefined) return undefined;
  const next: Patch = { contextSize: contextSize ? Number(contextSize) : null, keepAlive: keepAlive || null };
  if (details.config.config.format === "safetensors") {
    const overrides = await ask("vLLM hf_overrides as a JSON object (empty: none)", jsonOrUndefined(current.vllm?.hfOverrides), (value) => {
      try {
        return HfOverridesSchema.safeParse(JSON.parse(value)).success ? undefined : "A JSON object.";
      } catch (error) {
        return `Not JSON: ${error instanceof Error ? error.message : String(error)}`;
      }
    });
    if (overrides === undefined) return undefined;
    next.vllm = { hfOverrides: overrides ? HfOverridesSchema.parse(JSON.parse(overrides)) : null };
  }
  const result = await host.request("configure", { model, patch: next });
  void vscode.window.showInformationMessage(`Model Runner: ${model} configured; it applies from its next load.`);
  return result;
}

/** An input box whose empty answer means "clear"; undefined when dismissed. */
async function ask(prompt: string, value: string | undefined, problem: (value: string) => string | undefined): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: "Model Runner: Configure",
    prompt,
    value: value ?? "",
    ignoreFocusOut: true,
    validateInput: (text) => (text.trim() === "" ? undefined : problem(text.trim())),
  });
}

function jsonOrUndefined(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}
