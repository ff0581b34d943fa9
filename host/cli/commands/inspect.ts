import { defineCommand } from "../command";
import { HostClient } from "../host-client";
import { UserError } from "../../errors";

export const inspect = defineCommand({
  name: "inspect",
  summary: "Show a model's ID, tags and configuration (format, quantization, parameters, GGUF metadata) as JSON.",
  usage: "MODEL",
  options: {},
  help: {},
  async run({ positionals }) {
    const [name] = positionals;
    if (!name) throw new UserError("name the model to inspect", { fix: "Example: lmr inspect ai/smollm2" });
    console.log(JSON.stringify(await new HostClient().json("GET", `/models/${encodeURIComponent(name)}`), null, 2));
  },
});
