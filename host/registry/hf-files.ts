import { NotFoundError } from "../errors";
import { normalizeQuantizationName } from "../gguf/quantization";
import { DEFAULT_TAG } from "../store/reference";

/** A file of a Hugging Face repository, as the Hub lists it. */
export interface HubFile {
  path: string;
  size: number;
  /** The sha256 the Hub keeps for LFS files (the weights); small files have none. */
  sha256: string | undefined;
}

/** What a Hugging Face reference pulls: GGUF files of one quantization, or a safetensors repository whole. */
export type HubSelection =
  | { format: "gguf"; quantization: string; shards: HubFile[]; projector: HubFile | undefined }
  | { format: "safetensors"; files: HubFile[] };

/** Docker Model Runner's choice when the reference names no quantization. */
export const defaultQuantization = "Q4_K_M";

const shardPattern = /-(\d{5})-of-(\d{5})\.gguf$/i;

/**
 * Picks the files to pull for `hf.co/ORG/REPO[:TAG]` by Docker Model Runner's rules: the GGUF files whose name
 * holds the tag between `-`, `.`, `_` (or `/`) separators, case-insensitively, with every shard of a split model;
 * `Q4_K_M` without a tag; the multimodal projector along. A repository without GGUF files but with safetensors
 * is taken whole, for vLLM.
 */
export function selectHubFiles(repository: string, files: readonly HubFile[], tag: string | undefined): HubSelection {
  const ggufs = files.filter((file) => file.path.toLowerCase().endsWith(".gguf"));
  const projectors = ggufs.filter((file) => isProjector(file.path));
  const models = ggufs.filter((file) => !isProjector(file.path));
  const requested = tag === undefined || tag === DEFAULT_TAG ? undefined : tag;

  if (models.length === 0) {
    if (files.some((file) => file.path.endsWith(".safetensors")) && requested === undefined) {
      return { format: "safetensors", files: files.filter((file) => !isRepositoryMetadata(file.path)) };
    }
    throw new NotFoundError(`hf.co/${repository} has no GGUF model files${requested ? ` for ${requested}` : ""}.`, {
      fix: "Pick a repository that publishes GGUF files (their names usually end in -GGUF), or a safetensors repository without a tag.",
      code: "hf_no_gguf",
    });
  }

  const quantization = requested ?? defaultQuantization;
  let shards = matching(models, quantization);
  if (shards.length === 0 && requested === undefined && fileSets(models).length === 1) shards = models;
  if (shards.length === 0) {
    const available = [...new Set(models.map((file) => quantizationInName(file.path)).filter(Boolean))];
    throw new NotFoundError(`hf.co/${repository} has no GGUF file for ${quantization}.`, {
      fix: available.length
        ? `Pick one of its quantizations: ${available.map((name) => `hf.co/${repository}:${name}`).join(", ")}.`
        : "Name the quantization as it appears in the repository's file names.",
      code: "hf_quantization_unknown",
    });
  }
  const projector = matching(projectors, quantization)[0] ?? matching(projectors, "F16")[0] ?? projectors.sort(byPath)[0];
  return { format: "gguf", quantization: normalizeQuantizationName(quantization), shards, projector };
}

/** The quantization a GGUF file's name declares (`…-Q4_K_M.gguf`, `…/Q8_0/…-00001-of-00002.gguf`), if any. */
export function quantizationInName(path: string): string | undefined {
  const stem = path.replace(shardPattern, ".gguf").replace(/\.gguf$/i, "");
  const match = /(?:^|[-._/])((?:UD-)?(?:I?Q\d(?:_[0-9A-Z]+)*|BF16|F16|F32|TQ\d_\d|MXFP4(?:_MOE)?))(?=$|[-._/])/i.exec(stem);
  return match?.[1] ? normalizeQuantizationName(match[1]) : undefined;
}

/** The first file set (a single file, or all shards of one split model, in order) whose name holds the tag. */
function matching(files: readonly HubFile[], quantization: string): HubFile[] {
  const escaped = quantization.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`(?:^|[-._/])${escaped}(?=$|[-._/])`, "i");
  const candidates = files.filter((file) => pattern.test(file.path.replace(shardPattern, ".gguf").replace(/\.gguf$/i, "")));
  return fileSets(candidates)[0] ?? [];
}

/** Groups split models' shards together (ordered by shard number); sets come in path order. */
export function fileSets(files: readonly HubFile[]): HubFile[][] {
  const sets = new Map<string, HubFile[]>();
  for (const file of [...files].sort(byPath)) {
    const key = file.path.replace(shardPattern, "");
    sets.set(key, [...(sets.get(key) ?? []), file]);
  }
  return [...sets.values()];
}

export function isProjector(path: string): boolean {
  return /mmproj/i.test(path.slice(path.lastIndexOf("/") + 1));
}

/** Files of the repository itself, not of the model. */
function isRepositoryMetadata(path: string): boolean {
  return path === ".gitattributes" || path.startsWith(".git/");
}

function byPath(a: HubFile, b: HubFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
