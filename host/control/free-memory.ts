import os from "node:os";
import type { FreeMemory } from "../api/routes/distribution";
import type { Engine } from "../engines/engine";

/** What a model can use here, as `/models/quants` judges it: llama.cpp's GPU's free VRAM when it runs on one, else free RAM. */
export function freeMemory(engines: readonly Engine[]): FreeMemory {
  return async () => {
    const gpu = (await engines.find((engine) => engine.name === "llama.cpp")?.status())?.gpu;
    return gpu && gpu.backend !== "cpu" ? { bytes: gpu.freeMemory ?? 0, kind: "VRAM" } : { bytes: os.freemem(), kind: "RAM" };
  };
}
