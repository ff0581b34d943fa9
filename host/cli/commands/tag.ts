import { defineCommand } from "../command";
import { HostClient } from "../host-client";
import { UserError } from "../../errors";

export const tag = defineCommand({
  name: "tag",
  summary: "Give a model another name.",
  usage: "SOURCE TARGET",
  options: {},
  help: {},
  async run({ positionals }) {
    const [source, target] = positionals;
    if (!source || !target) throw new UserError("tag needs a source model and a target name", { fix: "Example: lmr tag ai/smollm2 me/smollm2:v1" });
    const colon = target.lastIndexOf(":");
    const [repo, tagName] = colon > target.lastIndexOf("/") ? [target.slice(0, colon), target.slice(colon + 1)] : [target, "latest"];
    const query = new URLSearchParams({ repo, tag: tagName });
    const result = await new HostClient().json<{ message: string }>("POST", `/models/${encodeURIComponent(source)}/tag?${query}`);
    console.log(result.message);
  },
});
