/** `configurations.json`: what `lmr configure` set per model, keyed by model ID. */
import { UserError } from "../errors";
import {
  type ConfigurationsFile,
  ConfigurationsFileSchema,
  type ModelConfiguration,
  type ModelConfigurationPatch,
  ModelConfigurationPatchSchema,
} from "../protocol/store";
import { writeFileAtomic } from "./atomic-write";
import { readJsonFile } from "./json-file";

export function readConfigurations(file: string): Promise<ConfigurationsFile> {
  return readJsonFile(file, ConfigurationsFileSchema, {}, {
    message: `The model configurations file ${file} is damaged.`,
    fix: `Delete ${file} and run lmr configure again.`,
    code: "store_configurations_damaged",
  });
}

export async function writeConfigurations(file: string, configurations: ConfigurationsFile): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(configurations, null, 2)}\n`);
}

/** Checks a patch from the outside world and applies it: absent fields stay, `null` clears. */
export function applyConfigurationPatch(current: ModelConfiguration, patch: unknown): ModelConfiguration {
  const parsed = ModelConfigurationPatchSchema.safeParse(patch);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`Invalid model configuration: ${issue?.path.join(".") || "value"}: ${issue?.message ?? "not accepted"}.`, {
      fix: 'For example: {"contextSize": 8192, "keepAlive": "5m", "runtimeFlags": ["--threads", "4"], "vllm": {"gpuMemoryUtilization": 0.9}}',
      param: issue?.path.join("."),
      code: "invalid_configuration",
    });
  }
  const { vllm, ...rest } = parsed.data satisfies ModelConfigurationPatch;
  const next = merge(current, rest);
  const nextVllm = vllm === null ? undefined : vllm === undefined ? current.vllm : merge(current.vllm ?? {}, vllm);
  if (nextVllm === undefined || Object.keys(nextVllm).length === 0) delete next.vllm;
  else next.vllm = nextVllm;
  return next;
}

function merge<T extends object>(current: T, patch: { [K in keyof T]?: T[K] | null }): T {
  const next: T = { ...current };
  for (const [key, value] of Object.entries(patch) as Array<[keyof T, T[keyof T] | null | undefined]>) {
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next;
}
