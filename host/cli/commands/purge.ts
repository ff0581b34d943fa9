import { defineCommand } from "../command";
import { HostClient } from "../host-client";
import { UserError } from "../../errors";
import type { modelJson } from "../../api/routes/models";

export const purge = defineCommand({
  name: "purge",
  summary: "Remove every model from the local store.",
  usage: "",
  options: { force: { type: "boolean", short: "f" } },
  help: { force: "Do it: without this flag purge only says what it would remove" },
  async run({ values }) {
    const client = new HostClient();
    const models = await client.json<ReturnType<typeof modelJson>[]>("GET", "/models");
    if (!values.force) throw new UserError(`purge would remove ${models.length} model(s)`, { fix: "Run `lmr purge --force` to remove them all." });
    for (const model of models) await client.request("DELETE", `/models/${encodeURIComponent(model.id)}?force=true`);
    console.log(`Removed ${models.length} model(s).`);
  },
});
