import { basename, dirname, join } from "node:path";

/** Metadata llama.cpp's gguf-split writes into every shard of a split model. */
export const SPLIT_KEYS = {
  /** uint16, 0 for the first shard, which also holds all other metadata. */
  index: "split.no",
  /** uint16 */
  count: "split.count",
  /** int32, the tensors of all shards together. */
  tensorCount: "split.tensors.count",
} as const;

export interface SplitName {
  /** The path without the `-00001-of-00003.gguf` ending. */
  prefix: string;
  /** 0-based, as `split.no` counts. */
  index: number;
  count: number;
}

const SPLIT_ENDING = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

/** llama.cpp's shard naming (llama_split_path): `model-00001-of-00003.gguf` is shard 0 of 3. */
export function splitPath(prefix: string, index: number, count: number): string {
  const number = (value: number) => String(value).padStart(5, "0");
  return `${prefix}-${number(index + 1)}-of-${number(count)}.gguf`;
}

/** The shard a path names, or undefined for a path that is not one shard of a split model. */
export function parseSplitPath(path: string): SplitName | undefined {
  const match = SPLIT_ENDING.exec(basename(path));
  if (!match) return undefined;
  const [, name, number, count] = match;
  const index = Number(number) - 1;
  if (index < 0 || index >= Number(count)) return undefined;
  return { prefix: join(dirname(path), name!), index, count: Number(count) };
}

/** Every shard's path of the split model `path` belongs to, in order; just `path` for a whole model. */
export function splitShardPaths(path: string): string[] {
  const split = parseSplitPath(path);
  if (!split) return [path];
  return Array.from({ length: split.count }, (_, index) => splitPath(split.prefix, index, split.count));
}
