/**
 * The JSON header of a safetensors file (an 8-byte little-endian length, then that much JSON), read
 * without touching the weights, for the parameters and dtype a model's config reports.
 */
import { open } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { UserError } from "../errors";

/** Far above any real header; a bigger length means the file is not safetensors. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const TensorSchema = z.looseObject({
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number(), z.number()]),
});

const HeaderSchema = z.record(z.string(), z.unknown()).transform((raw, context) => {
  const { __metadata__: metadata, ...tensors } = raw;
  const parsedMetadata = z.record(z.string(), z.string()).optional().safeParse(metadata);
  const parsedTensors = z.record(z.string(), TensorSchema).safeParse(tensors);
  if (!parsedMetadata.success || !parsedTensors.success) {
    context.addIssue({ code: "custom", message: "not a safetensors header" });
    return z.NEVER;
  }
  return { metadata: parsedMetadata.data ?? {}, tensors: parsedTensors.data };
});
export type SafetensorsHeader = z.infer<typeof HeaderSchema>;

export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const handle = await open(file, "r");
  try {
    const length = Buffer.alloc(8);
    const { bytesRead } = await handle.read(length, 0, 8, 0);
    const size = bytesRead === 8 ? length.readBigUInt64LE() : 0n;
    if (size === 0n || size > BigInt(MAX_HEADER_BYTES)) throw notSafetensors(file);
    const json = Buffer.alloc(Number(size));
    const read = await handle.read(json, 0, json.length, 8);
    if (read.bytesRead !== json.length) throw notSafetensors(file);
    let raw: unknown;
    try {
      raw = JSON.parse(json.toString("utf8"));
    } catch {
      throw notSafetensors(file);
    }
    const header = HeaderSchema.safeParse(raw);
    if (!header.success) throw notSafetensors(file);
    return header.data;
  } finally {
    await handle.close();
  }
}

function notSafetensors(file: string): UserError {
  return new UserError(`${path.basename(file)} is not a safetensors file: its header cannot be read.`, {
    fix: "Package a directory as Hugging Face ships it (config.json, tokenizer files and *.safetensors).",
    code: "invalid_safetensors",
  });
}
