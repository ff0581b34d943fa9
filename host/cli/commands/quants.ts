import { defineCommand, integerFlag } from "../command";
import { table } from "../format";
import { formatBytes } from "../../format-bytes";
import { HostClient } from "../host-client";
import { UserError } from "../../errors";
import type { QuantizationInfo } from "../../registry/quants";

type Row = QuantizationInfo & { fits: boolean; free: number; freeKind: string };

export const quants = defineCommand({
  name: "quants",
  summary: "List every quantization of a repository with its size and the memory it needs at a context size, and whether it fits here, without downloading it.",
  usage: "REPOSITORY",
  options: { "context-size": { type: "string" }, json: { type: "boolean" } },
  help: { "context-size": "Context size to estimate memory for (default 4096)", json: "Print as JSON" },
  async run({ values, positionals }) {
    const [ref] = positionals;
    if (!ref) throw new UserError("name the repository", { fix: "Example: lmr quants ai/llama3.2" });
    const context = integerFlag("context-size", values["context-size"], 16);
    const query = new URLSearchParams({ ref, ...(context ? { context: String(context) } : {}) });
    const rows = await new HostClient().json<Row[]>("GET", `/models/quants?${query}`);
    if (values.json) return void console.log(JSON.stringify(rows, null, 2));
    if (rows.length === 0) return void console.log(`${ref} has no GGUF quantizations.`);
    console.log(
      table(
        ["MODEL", "QUANTIZATION", "BITS/WEIGHT", "PARAMETERS", "SIZE", `MEMORY @ ${rows[0]!.contextSize}`, `FITS (${formatBytes(rows[0]!.free)} ${rows[0]!.freeKind} free)`],
        rows.map((r) => [r.reference, r.quantization, r.bitsPerWeight.toFixed(2), r.parameters, formatBytes(r.size), formatBytes(r.memory.total), r.fits ? "yes" : "no"]),
      ),
    );
  },
});
