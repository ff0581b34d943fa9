/** Split GGUF models as llama.cpp's gguf-split names them: `<prefix>-00001-of-00003.gguf`. */
import { stat } from "node:fs/promises";
import path from "node:path";
import { UserError } from "../errors";

const SHARD_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

/** All shards of the model `file` belongs to, in order; just `[file]` for a model in one file. */
export async function ggufShards(file: string): Promise<string[]> {
  const match = SHARD_NAME.exec(path.basename(file));
  if (!match) return [file];
  const [, prefix, , total] = match as unknown as [string, string, string, string];
  const count = Number(total);
  if (count === 0) {
    throw new UserError(`${path.basename(file)} names a split into 0 shards.`, {
      fix: "Rename the file, or split the model again with llama.cpp's gguf-split.",
      code: "missing_shard",
    });
  }
  const shards = Array.from({ length: count }, (_, index) =>
    path.join(path.dirname(file), `${prefix}-${String(index + 1).padStart(5, "0")}-of-${total}.gguf`),
  );
  const missing: string[] = [];
  for (const shard of shards) {
    const info = await stat(shard).catch(() => undefined);
    if (!info?.isFile()) missing.push(path.basename(shard));
  }
  if (missing.length > 0) {
    throw new UserError(
      `${path.basename(file)} is one of ${count} shards, but ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing from ${path.dirname(file)}.`,
      { fix: "Put every shard of the model in one folder; --gguf takes any one of them.", code: "missing_shard" },
    );
  }
  return shards;
}
