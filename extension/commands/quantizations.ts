import * as vscode from "vscode";
import type { QuantizationList } from "../../host/protocol/control";
import type { CommandContext } from "./context";
import { namedModel } from "./model-argument";
import { referenceProblem } from "./pull";

/** `lmr.showQuantizations [model]`: the repository of a Models row or a name, else one typed in, in the Quantizations view. */
export async function showQuantizations({ quantizations }: CommandContext, argument?: unknown): Promise<QuantizationList | undefined> {
  const reference =
    namedModel(argument) ??
    (await vscode.window.showInputBox({
      title: "Model Runner: Show Quantizations",
      prompt: "A model repository in a registry or on Hugging Face; its GGUF headers are read, nothing is downloaded",
      placeHolder: "ai/llama3.2, registry.example.com/team/coder, hf.co/org/repo",
      ignoreFocusOut: true,
      validateInput: referenceProblem,
    }));
  if (!reference) return undefined;
  return quantizations.show(reference.trim());
}
