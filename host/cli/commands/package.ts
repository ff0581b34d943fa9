import { defineCommand, integerFlag } from "../command";
import { UserError } from "../../errors";
import { ModelStore } from "../../store/store";
import { packageGguf, packageSafetensors } from "../../store/package";
import { pushModel } from "../../registry/push";
import { progressPrinter } from "../progress-view";

export const packageCommand = defineCommand({
  name: "package",
  summary: "Package a GGUF file (shards found automatically) or a safetensors folder into the local store as an OCI model artifact.",
  usage: "(--gguf FILE | --safetensors-dir DIR) [OPTIONS] NAME",
  options: {
    gguf: { type: "string" },
    "safetensors-dir": { type: "string" },
    license: { type: "string", short: "l", multiple: true },
    "chat-template": { type: "string" },
    mmproj: { type: "string" },
    "context-size": { type: "string" },
    "models-path": { type: "string" },
    push: { type: "boolean" },
  },
  help: {
    gguf: "The GGUF file, or any shard of a split model",
    "safetensors-dir": "A folder with *.safetensors, config.json and tokenizer files (for vLLM)",
    license: "A license file to ship with the model (repeatable)",
    "chat-template": "A Jinja chat template that overrides the model's own",
    mmproj: "A multimodal projector GGUF",
    "context-size": "The context size the model runs with by default",
    "models-path": "Store root (default: LMR_MODELS_PATH, else the per-user data folder)",
    push: "Push the model to the registry its name points at once it is packaged",
  },
  async run({ values, positionals }) {
    const [name] = positionals;
    if (!name) throw new UserError("name the model to create", { fix: "Example: lmr package --gguf ./model.gguf me/my-model:Q4_K_M" });
    const gguf = values.gguf as string | undefined;
    const dir = values["safetensors-dir"] as string | undefined;
    if (Boolean(gguf) === Boolean(dir)) throw new UserError("package needs exactly one of --gguf and --safetensors-dir", { fix: "Example: lmr package --gguf ./model.gguf me/my-model" });
    const store = await ModelStore.open({ root: values["models-path"] as string | undefined });
    const license = values.license as string[] | undefined;
    const model = gguf
      ? await packageGguf(
          store,
          {
            gguf,
            license,
            chatTemplate: values["chat-template"] as string | undefined,
            mmproj: values.mmproj as string | undefined,
            contextSize: integerFlag("context-size", values["context-size"], 16),
          },
          name,
        )
      : await packageSafetensors(store, { dir: dir!, license }, name);
    console.log(`Packaged ${model.tags.map(String).join(", ")} (${model.id.slice(7, 19)}): ${model.config.config.format}, ${model.config.config.quantization ?? "?"}, ${model.config.config.parameters ?? "?"} parameters, ${model.config.config.size ?? ""}`);
    if (values.push) {
      // Straight from the store this process just wrote to: pushing needs no running host.
      const pushed = await pushModel(store, name, { onProgress: progressPrinter(process.stdout) });
      console.log(`Pushed ${pushed.reference.toString()} (${pushed.digest})`);
    }
  },
});
