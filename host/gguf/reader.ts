import { open } from "node:fs/promises";
import { basename } from "node:path";
import { NotFoundError, UserError } from "../errors";
import { GGUF_SCALAR_BYTES, GgmlType, GgufValueType, type GgufHeader, type GgufStoredType, type GgufTensorInfo, type GgufValue } from "./types";

/**
 * Reads `length` bytes at `offset`; fewer only where the file ends. A registry client passes one that
 * issues HTTP Range requests, so only the header of a remote model is fetched.
 */
export type GgufByteReader = (offset: number, length: number) => Promise<Uint8Array>;

export type GgufSource = string | GgufByteReader;

export interface ReadGgufOptions {
  /** How errors name the file; a path source names itself. */
  name?: string;
}

export const GGUF_MAGIC = "GGUF";
export const GGUF_DEFAULT_ALIGNMENT = 32;
export const GGUF_ALIGNMENT_KEY = "general.alignment";

const OLDEST_VERSION = 2;
const NEWEST_VERSION = 3;
/** ggml's GGML_MAX_DIMS. */
const MAX_DIMS = 4;
/** gguf.cpp's limits; a count above them is a corrupt file, not a big one. */
const MAX_STRING_LENGTH = 1024 * 1024 * 1024;
const MAX_ARRAY_LENGTH = 1024 * 1024 * 1024;
/** The first read covers a small model's whole header; later reads double so a big vocabulary costs few requests. */
const FIRST_READ_BYTES = 256 * 1024;
const ARRAY_BATCH_ITEMS = 1024 * 1024;

/** Reads a GGUF file's header (metadata and tensor infos) without reading its tensor data. */
export async function readGgufHeader(source: GgufSource, options: ReadGgufOptions = {}): Promise<GgufHeader> {
  if (typeof source !== "string") return parseHeader(new Cursor(source, options.name ?? "The model file"));
  const handle = await open(source, "r").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") {
      throw new NotFoundError(`No GGUF file at ${source}.`, { fix: "Check the path of the model file.", cause: error });
    }
    throw error;
  });
  try {
    const reader: GgufByteReader = async (offset, length) => {
      const buffer = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    };
    return await parseHeader(new Cursor(reader, options.name ?? basename(source)));
  } finally {
    await handle.close();
  }
}

async function parseHeader(cursor: Cursor): Promise<GgufHeader> {
  await cursor.need(8);
  const magic = cursor.latin1(4);
  if (magic !== GGUF_MAGIC) {
    throw new UserError(`${cursor.name} is not a GGUF file: it starts with ${JSON.stringify(magic)}, not "GGUF".`, {
      fix: "Use a .gguf model file (llama.cpp's convert_hf_to_gguf.py converts Hugging Face checkpoints).",
    });
  }
  const version = cursor.u32();
  if (version > 0xffff && byteSwapped(version) <= NEWEST_VERSION) {
    throw new UserError(`${cursor.name} is a big-endian GGUF file.`, {
      fix: "Use the little-endian build of the model; llama.cpp on this machine reads only little-endian files.",
    });
  }
  if (version < OLDEST_VERSION || version > NEWEST_VERSION) {
    throw new UserError(`${cursor.name} is GGUF version ${version}; versions ${OLDEST_VERSION} and ${NEWEST_VERSION} are supported.`, {
      fix:
        version < OLDEST_VERSION
          ? "Convert the model again with a current llama.cpp, or download a newer conversion."
          : "Update Local Model Runner to read newer GGUF files.",
    });
  }

  await cursor.need(16);
  const tensorCount = cursor.count(MAX_ARRAY_LENGTH, "tensor count");
  const metadataCount = cursor.count(MAX_ARRAY_LENGTH, "metadata count");

  const entries = new Map<string, GgufValue>();
  const types = new Map<string, GgufStoredType>();
  for (let i = 0; i < metadataCount; i++) {
    const key = await cursor.string();
    if (entries.has(key)) cursor.corrupt(`the metadata key ${JSON.stringify(key)} appears twice`);
    await cursor.need(4);
    const type: GgufValueType = cursor.u32();
    if (type === GgufValueType.ARRAY) await cursor.need(4);
    types.set(key, type === GgufValueType.ARRAY ? { type, itemType: cursor.peekU32() } : { type });
    entries.set(key, await cursor.value(type));
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays a key.
  const metadata: Record<string, GgufValue> = Object.fromEntries(entries);
  const metadataTypes: Record<string, GgufStoredType> = Object.fromEntries(types);
  const alignment = alignmentOf(metadata, cursor);

  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = await cursor.string();
    await cursor.need(4);
    const dimCount = cursor.u32();
    if (dimCount > MAX_DIMS) cursor.corrupt(`the tensor ${name} has ${dimCount} dimensions`);
    await cursor.need(dimCount * 8 + 12);
    const dims: bigint[] = [];
    for (let d = 0; d < dimCount; d++) dims.push(cursor.u64());
    const type: GgmlType = cursor.u32();
    const offset = cursor.u64();
    if (offset % BigInt(alignment) !== 0n) cursor.corrupt(`the tensor ${name} starts off the ${alignment}-byte alignment`);
    tensors.push({ name, dims, type, offset });
  }

  const headerSize = cursor.position;
  return { version, metadata, metadataTypes, tensors, headerSize, dataOffset: alignUp(headerSize, alignment) };
}

function alignmentOf(metadata: Record<string, GgufValue>, cursor: Cursor): number {
  const alignment = metadata[GGUF_ALIGNMENT_KEY] ?? GGUF_DEFAULT_ALIGNMENT;
  if (typeof alignment !== "number" || alignment <= 0 || !Number.isInteger(alignment) || (alignment & (alignment - 1)) !== 0) {
    return cursor.corrupt(`${GGUF_ALIGNMENT_KEY} is ${String(alignment)}, not a power of two`);
  }
  return alignment;
}

export function alignUp(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}

function byteSwapped(value: number): number {
  return ((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24);
}


/**
 * A read position over a byte reader that keeps one window of the file in memory. Values are decoded
 * synchronously from the window; `need` refills it, so a big array of numbers costs one await, not one per item.
 */
class Cursor {
  position = 0;
  private window = new Uint8Array(0);
  private view = new DataView(this.window.buffer);
  private windowStart = 0;
  private nextReadSize = FIRST_READ_BYTES;
  private readonly decoder = new TextDecoder("utf-8");

  constructor(
    private readonly read: GgufByteReader,
    readonly name: string,
  ) {}

  /** Makes the next `length` bytes available, or fails if the file ends first. */
  async need(length: number): Promise<void> {
    const windowEnd = this.windowStart + this.window.length;
    if (this.position + length <= windowEnd) return;
    const kept = this.window.subarray(this.position - this.windowStart);
    const missing = length - kept.length;
    const readSize = Math.max(missing, this.nextReadSize);
    this.nextReadSize *= 2;
    const fresh = await this.read(windowEnd, readSize);
    const window = new Uint8Array(kept.length + fresh.length);
    window.set(kept);
    window.set(fresh, kept.length);
    this.window = window;
    this.view = new DataView(window.buffer);
    this.windowStart = this.position;
    if (fresh.length < missing) {
      throw new UserError(`${this.name} ends after ${windowEnd + fresh.length} bytes, inside its GGUF header: the file is truncated.`, {
        fix: "Download or copy the model again; the file is incomplete.",
      });
    }
  }

  corrupt(problem: string): never {
    throw new UserError(`${this.name} is not a valid GGUF file: ${problem} (at byte ${this.position}).`, {
      fix: "Download or convert the model again; the file is damaged.",
    });
  }

  private advance(length: number): number {
    const at = this.position - this.windowStart;
    this.position += length;
    return at;
  }

  u32(): number {
    return this.view.getUint32(this.advance(4), true);
  }
  peekU32(): number {
    return this.view.getUint32(this.position - this.windowStart, true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.advance(8), true);
  }
  latin1(length: number): string {
    const at = this.advance(length);
    return String.fromCharCode(...this.window.subarray(at, at + length));
  }

  /** A uint64 count, bounded so a corrupt file cannot ask for an absurd allocation. */
  count(max: number, what: string): number {
    const value = this.u64();
    if (value > BigInt(max)) this.corrupt(`the ${what} is ${value}`);
    return Number(value);
  }

  async string(): Promise<string> {
    await this.need(8);
    const length = this.count(MAX_STRING_LENGTH, "string length");
    await this.need(length);
    const at = this.advance(length);
    return this.decoder.decode(this.window.subarray(at, at + length));
  }

  async value(type: GgufValueType): Promise<GgufValue> {
    if (type === GgufValueType.STRING) return this.string();
    if (type === GgufValueType.ARRAY) return this.array();
    const size = GGUF_SCALAR_BYTES[type];
    if (size === undefined) return this.corrupt(`the value type ${type} is unknown`);
    await this.need(size);
    return this.scalar(type);
  }

  private async array(): Promise<GgufValue[]> {
    await this.need(12);
    const itemType: GgufValueType = this.u32();
    const length = this.count(MAX_ARRAY_LENGTH, "array length");
    const items: GgufValue[] = [];
    const size = GGUF_SCALAR_BYTES[itemType];
    if (size !== undefined) {
      // In batches, so a corrupt length fails at the end of the file instead of allocating its claim.
      for (let i = 0; i < length; ) {
        const batchEnd = Math.min(length, i + ARRAY_BATCH_ITEMS);
        await this.need(size * (batchEnd - i));
        for (; i < batchEnd; i++) items.push(this.scalar(itemType));
      }
    } else {
      for (let i = 0; i < length; i++) items.push(await this.value(itemType));
    }
    return items;
  }

  private scalar(type: GgufValueType): GgufValue {
    const view = this.view;
    switch (type) {
      case GgufValueType.UINT8:
        return view.getUint8(this.advance(1));
      case GgufValueType.INT8:
        return view.getInt8(this.advance(1));
      case GgufValueType.BOOL:
        return view.getUint8(this.advance(1)) !== 0;
      case GgufValueType.UINT16:
        return view.getUint16(this.advance(2), true);
      case GgufValueType.INT16:
        return view.getInt16(this.advance(2), true);
      case GgufValueType.UINT32:
        return view.getUint32(this.advance(4), true);
      case GgufValueType.INT32:
        return view.getInt32(this.advance(4), true);
      case GgufValueType.FLOAT32:
        return view.getFloat32(this.advance(4), true);
      case GgufValueType.UINT64:
        return view.getBigUint64(this.advance(8), true);
      case GgufValueType.INT64:
        return view.getBigInt64(this.advance(8), true);
      case GgufValueType.FLOAT64:
        return view.getFloat64(this.advance(8), true);
      default:
        return this.corrupt(`the value type ${type} is not a scalar`);
    }
  }
}
