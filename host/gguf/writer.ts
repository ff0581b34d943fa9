import { open, rename, rm } from "node:fs/promises";
import { UserError } from "../errors";
import { tensorByteSize } from "./quantization";
import { GGUF_ALIGNMENT_KEY, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, alignUp } from "./reader";
import { GGUF_SCALAR_BYTES, GgufValueType, type GgmlType, type GgufTypedArray, type GgufTypedValue } from "./types";

/** A string or a boolean says its own GGUF type; numbers need one (`ggufValue.u32(2)`). */
export type GgufMetadataInput = GgufTypedValue | string | boolean;

export type GgufTensorChunks = Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export interface GgufTensorInput {
  name: string;
  type: GgmlType;
  /** ggml order: dims[0] is the row length; a weight mapping n_in to n_out is [n_in, n_out]. */
  dims: readonly number[];
  /**
   * The tensor's bytes in the layout of `type` (see quantize). A function is called only when the writer
   * reaches the tensor, so a big model streams to disk without being held in memory.
   */
  data: Uint8Array | (() => GgufTensorChunks);
}

export interface GgufWriteInput {
  /** Written in this order; `general.alignment` (uint32) changes the alignment from 32 bytes. */
  metadata: Record<string, GgufMetadataInput>;
  tensors: readonly GgufTensorInput[];
}

const GGUF_VERSION = 3;
/** ggml's GGML_MAX_NAME counts the terminating NUL. */
const MAX_TENSOR_NAME_BYTES = 63;
const FLUSH_BYTES = 4 * 1024 * 1024;

/**
 * Writes a GGUF v3 file. The file appears at `path` only once complete, so a reader never sees half a model.
 * Returns the file's size in bytes.
 */
export async function writeGguf(path: string, input: GgufWriteInput): Promise<number> {
  const alignment = alignmentOf(input.metadata);
  const layout = layoutTensors(input.tensors, alignment);
  const header = encodeHeader(input.metadata, layout);
  const partial = `${path}.partial`;
  const file = await open(partial, "w");
  try {
    const sink = new BufferedSink(file);
    await sink.write(header);
    await sink.pad(alignUp(header.length, alignment) - header.length);
    for (const { tensor, size } of layout) {
      let written = 0;
      const chunks = tensor.data instanceof Uint8Array ? [tensor.data] : tensor.data();
      for await (const chunk of chunks) {
        written += chunk.length;
        if (written > size) break;
        await sink.write(chunk);
      }
      if (written !== size) {
        throw new UserError(`The tensor ${tensor.name} supplied ${written} bytes where its type and shape take ${size}.`, {
          fix: "Supply the tensor's data in the layout of its type (quantize encodes F32, F16, Q8_0 and Q4_0).",
        });
      }
      await sink.pad(alignUp(size, alignment) - size);
    }
    await sink.flush();
    await file.close();
    await rename(partial, path);
    return sink.total;
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}

function alignmentOf(metadata: Record<string, GgufMetadataInput>): number {
  const value = metadata[GGUF_ALIGNMENT_KEY];
  if (value === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (typeof value === "object" && value.type === GgufValueType.UINT32 && value.value > 0 && (value.value & (value.value - 1)) === 0) {
    return value.value;
  }
  throw new UserError(`${GGUF_ALIGNMENT_KEY} must be a uint32 power of two.`, {
    fix: `Pass ggufValue.u32(32) or leave it out for ${GGUF_DEFAULT_ALIGNMENT} bytes.`,
  });
}

interface TensorLayout {
  tensor: GgufTensorInput;
  size: number;
  offset: number;
}

function layoutTensors(tensors: readonly GgufTensorInput[], alignment: number): TensorLayout[] {
  const names = new Set<string>();
  let offset = 0;
  return tensors.map((tensor) => {
    const problem =
      names.has(tensor.name) ? "appears twice"
      : Buffer.byteLength(tensor.name) > MAX_TENSOR_NAME_BYTES ? `is longer than ${MAX_TENSOR_NAME_BYTES} bytes`
      : tensor.dims.length < 1 || tensor.dims.length > 4 ? "needs 1 to 4 dimensions"
      : tensor.dims.some((dim) => !Number.isSafeInteger(dim) || dim < 1) ? "has a dimension that is not a positive integer"
      : undefined;
    if (problem) {
      throw new UserError(`The tensor name ${JSON.stringify(tensor.name)} ${problem}.`, {
        fix: "Give every tensor a unique name of at most 63 bytes and 1 to 4 positive dimensions.",
      });
    }
    names.add(tensor.name);
    const size = tensorByteSize(tensor.type, tensor.dims);
    const layout = { tensor, size, offset };
    offset += alignUp(size, alignment);
    return layout;
  });
}

function encodeHeader(metadata: Record<string, GgufMetadataInput>, layout: readonly TensorLayout[]): Uint8Array {
  const out = new ByteBuilder();
  out.bytes(new TextEncoder().encode(GGUF_MAGIC));
  out.u32(GGUF_VERSION);
  out.u64(BigInt(layout.length));
  out.u64(BigInt(Object.keys(metadata).length));
  for (const [key, input] of Object.entries(metadata)) {
    const value: GgufTypedValue =
      typeof input === "string" ? { type: GgufValueType.STRING, value: input }
      : typeof input === "boolean" ? { type: GgufValueType.BOOL, value: input }
      : input;
    out.string(key);
    out.u32(value.type);
    if (value.type === GgufValueType.ARRAY) out.array(value);
    else out.scalar(value.type, value.value);
  }
  for (const { tensor, offset } of layout) {
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(BigInt(dim));
    out.u32(tensor.type);
    out.u64(BigInt(offset));
  }
  return out.result();
}

/** A growing little-endian byte buffer for the header, which is small next to the tensor data. */
class ByteBuilder {
  private buffer = new Uint8Array(64 * 1024);
  private view = new DataView(this.buffer.buffer);
  private length = 0;
  private readonly encoder = new TextEncoder();

  private reserve(bytes: number): number {
    if (this.length + bytes > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + bytes));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += bytes;
    return at;
  }

  result(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  bytes(bytes: Uint8Array): void {
    const at = this.reserve(bytes.length);
    this.buffer.set(bytes, at);
  }
  u32(value: number): void {
    this.scalar(GgufValueType.UINT32, value);
  }
  u64(value: bigint): void {
    this.scalar(GgufValueType.UINT64, value);
  }
  string(value: string): void {
    const bytes = this.encoder.encode(value);
    this.u64(BigInt(bytes.length));
    this.bytes(bytes);
  }

  array(value: GgufTypedArray): void {
    this.u32(value.itemType);
    this.u64(BigInt(value.value.length));
    for (let i = 0; i < value.value.length; i++) {
      const item = value.value[i]!;
      if (value.itemType === GgufValueType.ARRAY) this.array(item as GgufTypedArray);
      else this.scalar(value.itemType, item as number | bigint | boolean | string);
    }
  }

  scalar(type: GgufValueType, value: number | bigint | boolean | string): void {
    if (type === GgufValueType.STRING) return this.string(String(value));
    const size = GGUF_SCALAR_BYTES[type];
    if (size === undefined) throw new UserError(`The GGUF value type ${type} is unknown.`, { fix: "Use a type of GgufValueType." });
    // reserve() may replace the buffer, so the view is read after it.
    const at = this.reserve(size);
    const view = this.view;
    switch (type) {
      case GgufValueType.UINT8:
        return view.setUint8(at, Number(value));
      case GgufValueType.INT8:
        return view.setInt8(at, Number(value));
      case GgufValueType.BOOL:
        return view.setUint8(at, value ? 1 : 0);
      case GgufValueType.UINT16:
        return view.setUint16(at, Number(value), true);
      case GgufValueType.INT16:
        return view.setInt16(at, Number(value), true);
      case GgufValueType.UINT32:
        return view.setUint32(at, Number(value), true);
      case GgufValueType.INT32:
        return view.setInt32(at, Number(value), true);
      case GgufValueType.FLOAT32:
        return view.setFloat32(at, Number(value), true);
      case GgufValueType.FLOAT64:
        return view.setFloat64(at, Number(value), true);
      case GgufValueType.UINT64:
        return view.setBigUint64(at, BigInt(value), true);
      case GgufValueType.INT64:
        return view.setBigInt64(at, BigInt(value), true);
    }
  }
}

/** Gathers small writes into large ones: tensor chunks can be a few bytes (a norm) or many megabytes. */
class BufferedSink {
  total = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(private readonly file: Awaited<ReturnType<typeof open>>) {}

  async write(chunk: Uint8Array): Promise<void> {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.total += chunk.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  async pad(bytes: number): Promise<void> {
    if (bytes > 0) await this.write(new Uint8Array(bytes));
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    await this.file.writev(chunks);
  }
}
