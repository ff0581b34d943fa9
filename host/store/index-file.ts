/**
 * `models.json`, DMR's index of the store: which manifest digests are models, their names and the
 * blobs they use. Tags are kept in the familiar short form and compared as parsed references, so
 * `index.docker.io/ai/x:latest` written by another tool still names `ai/x:latest`.
 */
import { type IndexEntry, ModelIndexSchema } from "../protocol/store";
import { writeFileAtomic } from "./atomic-write";
import { ModelReference } from "./reference";
import { readJsonFile } from "./json-file";

export async function readIndex(file: string): Promise<IndexEntry[]> {
  const index = await readJsonFile(file, ModelIndexSchema, { models: [] }, {
    message: `The model index ${file} is damaged.`,
    fix: `Move ${file} aside; the models will have to be pulled again.`,
    code: "store_index_damaged",
  });
  return index.models;
}

export async function writeIndex(file: string, entries: IndexEntry[]): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify({ models: entries }, null, 2)}\n`);
}

/** Tags of the index as references; a tag no parser accepts is skipped rather than failing the store. */
export function entryReferences(entry: IndexEntry): ModelReference[] {
  return entry.tags.flatMap((tag) => tryParse(tag) ?? []);
}

export function hasTag(entry: IndexEntry, reference: ModelReference): boolean {
  return entry.tags.some((tag) => sameTag(tag, reference));
}

/** Points `reference` at the model `id`, taking it from whichever model held it. */
export function withTag(entries: IndexEntry[], id: string, reference: ModelReference): IndexEntry[] {
  return entries.map((entry) => {
    const tags = entry.tags.filter((tag) => !sameTag(tag, reference));
    if (entry.id === id) tags.push(reference.toString());
    return { ...entry, tags };
  });
}

export function withoutTag(entries: IndexEntry[], reference: ModelReference): IndexEntry[] {
  return entries.map((entry) => ({ ...entry, tags: entry.tags.filter((tag) => !sameTag(tag, reference)) }));
}

function sameTag(tag: string, reference: ModelReference): boolean {
  return tryParse(tag)?.equals(reference) ?? false;
}

function tryParse(tag: string): ModelReference | undefined {
  try {
    return ModelReference.parse(tag);
  } catch {
    return undefined;
  }
}
