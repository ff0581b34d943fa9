import os from "node:os";
import type { Engine } from "./engine";

/** Memory a model can use here: the GPU's free VRAM when llama.cpp runs on one, else free RAM. */
export type FreeMemory = () => Promise<{ bytes: number; kind: "VRAM" | "RAM" }>;

/** Reads FreeMemory from llama.cpp's status, as `/models/quants` and the editor's Quantizations view judge fit. */
export function freeMemory(engines: readonly Engine[]): FreeMemory {
  return async () => {
    const gpu = (await engines.find((engine) => engine.name === "llama.cpp")?.status())?.gpu;
    return gpu && gpu.backend !== "cpu" ? { bytes: gpu.freeMemory ?? 0, kind: "VRAM" } : { bytes: os.freemem(), kind: "RAM" };
  };
}
