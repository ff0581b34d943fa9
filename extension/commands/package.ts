import * as vscode from "vscode";
import type { CommandContext } from "./context";
import { referenceProblem } from "./pull";

/**
 * `lmr.package [path, name, push]`: a GGUF file (the other shards are found next to it) or a safetensors folder
 * into the store as an OCI model, optionally pushed right after.
 */
export async function packageModel({ host }: CommandContext, path?: unknown, name?: unknown, push?: unknown): Promise<string | undefined> {
  const source = typeof path === "string" && path ? path : await pickWeights();
  if (!source) return undefined;
  const target =
    typeof name === "string" && name
      ? name
      : await vscode.window.showInputBox({
          title: "Model Runner: Package",
          prompt: "The model's name; push it later to the registry the name points at",
          placeHolder: "me/my-model:Q4_K_M or registry.example.com/team/model:v1",
          ignoreFocusOut: true,
          validateInput: referenceProblem,
        });
  if (!target) return undefined;
  const pushAfter =
    typeof push === "boolean"
      ? push
      : (await vscode.window.showQuickPick(["Keep it local", "Push it to its registry"], { title: "Model Runner: Package" })) ===
        "Push it to its registry";
  const packaged = await host.withProgress(`Packaging ${target}`, "package", { path: source, name: target, push: pushAfter });
  void vscode.window.showInformationMessage(`Model Runner: packaged ${packaged.name}${pushAfter ? " and pushed it" : ""}.`);
  return packaged.name;
}

async function pickWeights(): Promise<string | undefined> {
  const kind = await vscode.window.showQuickPick(
    [
      { label: "GGUF file", description: "for llama.cpp; pick any shard of a split model", folder: false },
      { label: "Safetensors folder", description: "a Hugging Face model folder, for vLLM", folder: true },
    ],
    { title: "Model Runner: Package" },
  );
  if (!kind) return undefined;
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: !kind.folder,
    canSelectFolders: kind.folder,
    canSelectMany: false,
    filters: kind.folder ? undefined : { "GGUF models": ["gguf"] },
    openLabel: "Package",
  });
  return picked?.[0]?.fsPath;
}
