import { defineCommand } from "../command";
import { HostClient } from "../host-client";
import { showProgress } from "../progress-view";
import { UserError } from "../../errors";

export const pull = defineCommand({
  name: "pull",
  summary: "Pull a model from Docker Hub, any OCI registry, or Hugging Face (hf.co/ORG/REPO[:QUANT]) into the local store.",
  usage: "MODEL",
  options: {},
  help: {},
  async run({ positionals }) {
    const [model] = positionals;
    if (!model) throw new UserError("name the model to pull", { fix: "Example: lmr pull ai/smollm2" });
    const response = await new HostClient().request("POST", "/models/create", { body: { from: model } });
    await showProgress(response);
  },
});
