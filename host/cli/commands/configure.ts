import { defineCommand, integerFlag } from "../command";
import { HostClient } from "../host-client";
import { UserError } from "../../errors";
import type { ConfigureRequest } from "../../protocol/dmr";

export const configure = defineCommand({
  name: "configure",
  summary: "Set how a model runs: context size, keep-alive, llama.cpp runtime flags after --, vLLM options. `configure show MODEL` prints what is set.",
  usage: "[OPTIONS] MODEL [-- RUNTIME_FLAGS...] | show MODEL",
  options: {
    "context-size": { type: "string" },
    "keep-alive": { type: "string" },
    "hf_overrides": { type: "string" },
    "hf-overrides": { type: "string" },
    "gpu-memory-utilization": { type: "string" },
    "max-model-len": { type: "string" },
    "tensor-parallel-size": { type: "string" },
  },
  help: {
    "context-size": "Context size in tokens; the model reloads with it at its next request",
    "keep-alive": 'How long the model stays loaded when idle: "5m", "1h", "0" (unload at once), "-1" (never)',
    hf_overrides: "vLLM: JSON merged into the model's Hugging Face config",
    "gpu-memory-utilization": "vLLM: fraction of GPU memory to use, 0 to 1",
    "max-model-len": "vLLM: maximum sequence length",
    "tensor-parallel-size": "vLLM: GPUs to spread the model over",
  },
  async run({ values, positionals, rest }) {
    const client = new HostClient();
    if (positionals[0] === "show") {
      const model = positionals[1];
      if (!model) throw new UserError("name the model whose configuration to show", { fix: "Example: lmr configure show ai/smollm2" });
      return void console.log(JSON.stringify(await client.json("GET", `/engines/_configure?model=${encodeURIComponent(model)}`), null, 2));
    }
    const [model] = positionals;
    if (!model) throw new UserError("name the model to configure", { fix: "Example: lmr configure --context-size 8192 ai/smollm2" });
    const overrides = (values.hf_overrides ?? values["hf-overrides"]) as string | undefined;
    const gpuMemory = values["gpu-memory-utilization"] === undefined ? undefined : Number(values["gpu-memory-utilization"]);
    const vllm = {
      ...(overrides !== undefined ? { "hf-overrides": parseJson(overrides) } : {}),
      ...(gpuMemory !== undefined ? { "gpu-memory-utilization": gpuMemory } : {}),
      ...(values["max-model-len"] !== undefined ? { "max-model-len": integerFlag("max-model-len", values["max-model-len"], 1) } : {}),
      ...(values["tensor-parallel-size"] !== undefined ? { "tensor-parallel-size": integerFlag("tensor-parallel-size", values["tensor-parallel-size"], 1) } : {}),
    };
    const body: ConfigureRequest = {
      model,
      ...(values["context-size"] !== undefined ? { "context-size": integerFlag("context-size", values["context-size"], 16) } : {}),
      ...(values["keep-alive"] !== undefined ? { keep_alive: values["keep-alive"] as string } : {}),
      ...(rest.length ? { "runtime-flags": rest } : {}),
      ...(Object.keys(vllm).length ? { vllm } : {}),
    };
    const configuration = await client.json("POST", "/engines/_configure", body);
    console.log(`Configured ${model}: ${JSON.stringify(configuration)}`);
  },
});

function parseJson(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Falls through to the error that shows the expected form.
  }
  throw new UserError(`--hf_overrides needs a JSON object, not ${text}`, { fix: `Example: --hf_overrides '{"max_model_len": 8192}'` });
}
