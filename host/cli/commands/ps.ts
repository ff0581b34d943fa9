import { defineCommand } from "../command";
import { ago, table } from "../format";
import { formatBytes } from "../../format-bytes";
import { HostClient } from "../host-client";
import type { PsEntry } from "../../protocol/dmr";

export const ps = defineCommand({
  name: "ps",
  summary: "List the models that are loaded, with their engine, context size, memory and last use.",
  usage: "",
  options: { json: { type: "boolean" } },
  help: { json: "Print as JSON" },
  async run({ values }) {
    const entries = await new HostClient().json<PsEntry[]>("GET", "/engines/ps");
    if (values.json) return void console.log(JSON.stringify(entries, null, 2));
    const rows = entries.map((e) => [
      e.model_name,
      e.backend_name,
      e.loading ? "loading" : e.in_use ? "in use" : "idle",
      e.context_size ? String(e.context_size) : "",
      e.memory ? formatBytes(e.memory.ram + e.memory.vram) : "",
      e.keep_alive,
      ago(e.last_used),
    ]);
    console.log(table(["MODEL NAME", "BACKEND", "STATE", "CONTEXT", "MEMORY", "KEEP ALIVE", "LAST USED"], rows));
  },
});
