import * as vscode from "vscode";
import { ModelReference } from "../../host/store/reference";
import { QuantizationItem } from "../views/quantizations";
import type { CommandContext } from "./context";

/**
 * `lmr.pull [reference]`: a registry or Hugging Face model into the store, under a cancellable progress notification;
 * from the Quantizations view, the row's quantization.
 */
export async function pull({ host }: CommandContext, reference?: unknown): Promise<string | undefined> {
  const name =
    reference instanceof QuantizationItem
      ? reference.quantization.reference
      : typeof reference === "string" && reference
      ? reference
      : await vscode.window.showInputBox({
          title: "Model Runner: Pull",
          prompt: "A model reference: a Docker Hub name, a registry path, or a Hugging Face GGUF repository",
          placeHolder: "ai/smollm2, registry.example.com/team/coder:Q4_K_M, hf.co/org/repo:Q4_K_M",
          ignoreFocusOut: true,
          validateInput: referenceProblem,
        });
  if (!name) return undefined;
  const pulled = await host.withProgress(`Pulling ${name}`, "pull", { reference: name });
  void vscode.window.showInformationMessage(`Model Runner: pulled ${pulled.name}.`);
  return pulled.name;
}

export function referenceProblem(value: string): string | undefined {
  if (!value.trim()) return "Type a model reference.";
  try {
    ModelReference.parse(value.trim());
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
