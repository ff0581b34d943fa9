import { defineCommand } from "../command";
import { HostClient } from "../host-client";
import type { EngineStatus } from "../../engines/engine";

import { formatBytes } from "../../format-bytes";

export const status = defineCommand({
  name: "status",
  summary: "Show whether the host runs, and each engine's state, version and GPU.",
  usage: "",
  options: { json: { type: "boolean" } },
  help: { json: "Print as JSON" },
  async run({ values }) {
    const client = new HostClient();
    const engines = await client.json<Record<string, EngineStatus & { text: string }>>("GET", "/engines/status");
    if (values.json) return void console.log(JSON.stringify(engines, null, 2));
    console.log(`Local Model Runner is running at ${client.base.origin}`);
    for (const engine of Object.values(engines)) {
      const gpu = engine.gpu
        ? `, GPU: ${engine.gpu.backend === "cpu" ? "none (CPU)" : `${engine.gpu.backend}${engine.gpu.devices.length ? ` (${engine.gpu.devices.join(", ")})` : ""}`}${engine.gpu.freeMemory !== undefined ? `, ${formatBytes(engine.gpu.freeMemory)} free` : ""}`
        : "";
      console.log(`${engine.name}: ${engine.text}${gpu}`);
    }
  },
});
