import { defineCommand } from "../command";
import { HostClient } from "../host-client";
import { UserError } from "../../errors";
import type { RemoveResult } from "../../store/store";

export const rm = defineCommand({
  name: "rm",
  summary: "Remove models from the local store (blobs other models share stay).",
  usage: "MODEL [MODEL...]",
  options: { force: { type: "boolean", short: "f" } },
  help: { force: "Remove even when the model is loaded (it is unloaded first)" },
  async run({ values, positionals }) {
    if (positionals.length === 0) throw new UserError("name the model to remove", { fix: "Example: lmr rm ai/smollm2" });
    const client = new HostClient();
    for (const name of positionals) {
      const result = await client.json<RemoveResult>("DELETE", `/models/${encodeURIComponent(name)}${values.force ? "?force=true" : ""}`);
      for (const tag of result.untagged) console.log(`Untagged: ${tag}`);
      if (result.deleted) console.log(`Deleted: ${result.deleted}`);
    }
  },
});
