import { defineCommand } from "../command";
import { ago, table } from "../format";
import { HostClient } from "../host-client";
import type { modelJson } from "../../api/routes/models";
import type { ModelObject } from "../../protocol/openai";

type ModelView = ReturnType<typeof modelJson>;

export const ls = defineCommand({
  name: "ls",
  summary: "List the models in the local store, or with --remote those an attached server (--vllm-url) serves.",
  usage: "",
  options: { json: { type: "boolean" }, quiet: { type: "boolean", short: "q" }, remote: { type: "boolean" } },
  help: { json: "Print the models as JSON", quiet: "Print only model IDs", remote: "List the models of the servers attached with serve --vllm-url" },
  async run({ values }) {
    const client = new HostClient();
    const models = await client.json<ModelView[]>("GET", "/models");
    if (values.remote) return listRemote(client, models, values);
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

/** What `/v1/models` lists beyond the store is what attached servers serve. */
async function listRemote(client: HostClient, local: ModelView[], values: { json?: unknown; quiet?: unknown }): Promise<void> {
  const stored = new Set(local.flatMap((model) => model.tags));
  const { data } = await client.json<{ data: ModelObject[] }>("GET", "/v1/models");
  const remote = data.filter((model) => !stored.has(model.id));
  if (values.json) return void console.log(JSON.stringify(remote, null, 2));
  if (values.quiet) return void remote.forEach((model) => console.log(model.id));
  const rows = remote.map((model) => [model.id, model.engine ?? "", model.context_window ? String(model.context_window) : "", model.owned_by]);
  console.log(table(["MODEL NAME", "ENGINE", "CONTEXT", "OWNED BY"], rows));
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
