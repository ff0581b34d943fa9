import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { errorCode } from "./fs-error";
import { StoreError } from "./store-error";

/**
 * Reads one of the store's JSON files through its schema: a missing file is `missing`, a file that
 * is not valid JSON or not of the schema is a StoreError with the given fix.
 */
export async function readJsonFile<S extends z.ZodType, M = z.infer<S>>(
  file: string,
  schema: S,
  missing: M,
  damaged: { message: string; fix: string; code: string },
): Promise<z.infer<S> | M> {
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return missing;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new StoreError(damaged.message, { fix: damaged.fix, code: damaged.code });
  return parsed.data;
}
