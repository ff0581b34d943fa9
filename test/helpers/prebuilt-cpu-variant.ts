import path from "node:path";
import { execa } from "execa";

/** The ggml CPU variant node-llama-cpp's prebuilt binary loads on this machine; empty where it has one CPU backend. */
export async function prebuiltCpuVariant(): Promise<string> {
  return (await execa(process.execPath, [path.resolve(import.meta.dirname, "../../scripts/prebuilt-cpu-variant.mjs")])).stdout.trim();
}
