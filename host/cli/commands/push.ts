import { defineCommand } from "../command";
import { HostClient } from "../host-client";
import { showProgress } from "../progress-view";
import { UserError } from "../../errors";

export const push = defineCommand({
  name: "push",
  summary: "Push a model of the local store to the registry its name points at.",
  usage: "MODEL",
  options: {},
  help: {},
  async run({ positionals }) {
    const [model] = positionals;
    if (!model) throw new UserError("name the model to push", { fix: "Example: lmr push registry.example.com/team/coder:Q4_K_M" });
    const response = await new HostClient().request("POST", `/models/${encodeURIComponent(model)}/push`);
    await showProgress(response);
  },
});
