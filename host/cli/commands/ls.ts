import { defineCommand } from "../command";
import { ago, table } from "../format";
import { HostClient } from "../host-client";
import type { modelJson } from "../../api/routes/models";

type ModelView = ReturnType<typeof modelJson>;

export const ls = defineCommand({
  name: "ls",
  summary: "List the models in the local store.",
  usage: "",
  options: { json: { type: "boolean" }, quiet: { type: "boolean", short: "q" } },
  help: { json: "Print the models as JSON", quiet: "Print only model IDs" },
  async run({ values }) {
    const models = await new HostClient().json<ModelView[]>("GET", "/models");
    if (values.json) return void console.log(JSON.stringify(models, null, 2));
    if (values.quiet) return void models.forEach((model) => console.log(shortId(model.id)));
    const rows = models.flatMap((model) =>
      (model.tags.length ? model.tags : ["<none>"]).map((tag) => [
        tag,
        model.config.parameters ?? "",
        model.config.quantization ?? "",
        model.config.architecture ?? "",
        shortId(model.id),
        model.created ? ago(model.created * 1000) : "",
        model.config.size ?? "",
      ]),
    );
    console.log(table(["MODEL NAME", "PARAMETERS", "QUANTIZATION", "ARCHITECTURE", "MODEL ID", "CREATED", "SIZE"], rows));
  },
});

export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
