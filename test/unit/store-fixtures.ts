/** Small real GGUF and safetensors files for the store's tests, written with the project's own GGUF writer. */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";
import { quantize } from "../../host/gguf/quantize";
import { ggufValue } from "../../host/gguf/typed-value";
import { GgmlType, GgufValueType } from "../../host/gguf/types";
import { writeGguf } from "../../host/gguf/writer";
import { BlobWriter } from "../../host/store/blob-writer";
import type { BlobFill } from "../../host/store/blobs";

const created: string[] = [];
after(() => Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true }))));

/**
 * A blob's bytes, written as a download thread writes them: through the store's BlobWriter, after what a resumed
 * file holds. An Error among the parts interrupts the write there, as a cut connection does; a promise holds it.
 */
export function fillWith(...parts: Array<Uint8Array | Error | Promise<never>>): BlobFill {
  return async (file) => {
    const writer = await BlobWriter.open(file);
    let size = writer.resumedBytes;
    try {
      for (const part of parts) {
        if (part instanceof Error) throw part;
        if (part instanceof Promise) await part;
        else {
          await writer.write(part);
          size += part.byteLength;
        }
      }
    } catch (error) {
      await writer.keep();
      throw error;
    }
    return { hex: await writer.finish(), size };
  };
}

/** A fresh folder, removed when the test file ends. */
export async function temporaryDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `lmr-${prefix}-`));
  created.push(dir);
  return dir;
}

export interface TinyGgufOptions {
  /** Makes otherwise identical models differ, so each has its own blob. */
  seed?: number;
  /** Entries of `tokenizer.ggml.tokens`; DMR leaves arrays over 50 out of the config. */
  vocabulary?: number;
  /** `split.no`/`split.count` as gguf-split writes them. */
  split?: { index: number; count: number };
}

/** A llama-architecture GGUF of 2×16 F32 weights and a Q8_0 file type, with typical metadata. */
export async function writeTinyGguf(file: string, options: TinyGgufOptions = {}): Promise<void> {
  const seed = options.seed ?? 1;
  const vocabulary = options.vocabulary ?? 8;
  await mkdir(path.dirname(file), { recursive: true });
  await writeGguf(file, {
    metadata: {
      "general.architecture": "llama",
      "general.name": `tiny-${seed}`,
      "general.file_type": ggufValue.u32(7),
      "llama.context_length": ggufValue.u32(2048),
      "llama.attention.layer_norm_rms_epsilon": ggufValue.f32(0.00001),
      "llama.rope.freq_base": ggufValue.f32(10000.5),
      "tokenizer.ggml.model": "llama",
      "tokenizer.ggml.tokens": ggufValue.array(GgufValueType.STRING, Array.from({ length: vocabulary }, (_, i) => `t${i}`)),
      "tokenizer.ggml.add_bos_token": true,
      ...(options.split
        ? { "split.no": ggufValue.u16(options.split.index), "split.count": ggufValue.u16(options.split.count) }
        : {}),
    },
    tensors: [
      {
        name: `blk.${options.split?.index ?? 0}.weight`,
        type: GgmlType.F32,
        dims: [16, 2],
        data: quantize(GgmlType.F32, Float32Array.from({ length: 32 }, (_, i) => seed + i / 32)),
      },
    ],
  });
}

/** A split model as gguf-split names it; returns the shard paths in order. */
export async function writeShardedGguf(dir: string, prefix: string, count: number): Promise<string[]> {
  const shards = Array.from({ length: count }, (_, index) =>
    path.join(dir, `${prefix}-${String(index + 1).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.gguf`),
  );
  for (const [index, shard] of shards.entries()) await writeTinyGguf(shard, { seed: 100 + index, split: { index, count } });
  return shards;
}

/** A safetensors file: 8-byte little-endian header length, JSON header, then the tensor bytes. */
export async function writeSafetensors(file: string, tensors: Record<string, { dtype: "F32" | "BF16"; shape: number[] }>, metadata?: Record<string, string>): Promise<void> {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = tensor.shape.reduce((product, dim) => product * dim, 1) * (tensor.dtype === "F32" ? 4 : 2);
    header[name] = { ...tensor, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, Buffer.concat([length, json, Buffer.alloc(offset, 7)]));
}
