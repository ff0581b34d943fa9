import { defineCommand } from "../command";
import { HostClient } from "../host-client";
import { UserError } from "../../errors";

export const unload = defineCommand({
  name: "unload",
  summary: "Unload models from memory (they stay in the store).",
  usage: "[MODEL...]",
  options: { all: { type: "boolean" }, backend: { type: "string" } },
  help: { all: "Unload every model", backend: "Only models on this engine (llama.cpp or vllm)" },
  async run({ values, positionals }) {
    if (!values.all && positionals.length === 0 && !values.backend) throw new UserError("name the models to unload, or pass --all", { fix: "Example: lmr unload --all" });
    const body = { all: Boolean(values.all), backend: values.backend, models: positionals };
    const result = await new HostClient().json<{ unloaded_runners: number }>("POST", "/engines/unload", body);
    console.log(`Unloaded ${result.unloaded_runners} model(s).`);
  },
});
