/** The `lmr.*` settings, read through one schema so a hand-edited settings.json cannot hand the code a wrong type. */
import * as vscode from "vscode";
import { z } from "zod";
import { KeepAliveSchema } from "../host/protocol/store";

const SettingsSchema = z.object({
  port: z.union([z.literal("auto"), z.number().int().min(0).max(65535)]).catch("auto"),
  modelsPath: z.string().catch(""),
  threads: z.number().int().min(0).catch(0),
  gpu: z.enum(["auto", "cuda", "vulkan", "metal", "none"]).catch("auto"),
  keepAlive: KeepAliveSchema.catch("5m"),
  chat: z.object({ model: z.string().catch("") }).catch({ model: "" }),
  completion: z
    .object({
      enabled: z.boolean().catch(true),
      model: z.string().catch(""),
      prefixLines: z.number().int().min(0).catch(256),
      suffixLines: z.number().int().min(0).catch(64),
      maxTokens: z.number().int().min(1).catch(128),
      timeoutMs: z.number().int().min(50).catch(500),
      debounceMs: z.number().int().min(0).catch(150),
    })
    .catch({ enabled: true, model: "", prefixLines: 256, suffixLines: 64, maxTokens: 128, timeoutMs: 500, debounceMs: 150 }),
  vllm: z.object({ executable: z.string().catch(""), url: z.string().catch("") }).catch({ executable: "", url: "" }),
});
export type Settings = z.infer<typeof SettingsSchema>;

export function readSettings(): Settings {
  const section = vscode.workspace.getConfiguration("lmr");
  const get = (key: string) => section.get(key);
  return SettingsSchema.parse({
    port: get("port"),
    modelsPath: get("modelsPath"),
    threads: get("threads"),
    gpu: get("gpu"),
    keepAlive: get("keepAlive"),
    chat: { model: get("chat.model") },
    completion: {
      enabled: get("completion.enabled"),
      model: get("completion.model"),
      prefixLines: get("completion.prefixLines"),
      suffixLines: get("completion.suffixLines"),
      maxTokens: get("completion.maxTokens"),
      timeoutMs: get("completion.timeoutMs"),
      debounceMs: get("completion.debounceMs"),
    },
    vllm: { executable: get("vllm.executable"), url: get("vllm.url") },
  });
}

/** Settings the host reads at start; a change to one of them restarts it. */
export const hostSettingKeys = ["lmr.port", "lmr.modelsPath", "lmr.threads", "lmr.gpu", "lmr.keepAlive", "lmr.vllm.executable", "lmr.vllm.url"];

export async function updateSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration("lmr").update(key, value, vscode.ConfigurationTarget.Global);
}
