import { z } from "zod";
import { UserError } from "../errors";
import { GgmlType, type GgufHeader, type GgufTensorInfo } from "./types";

export interface GgmlTypeTraits {
  name: string;
  /** Weights per block; every row length is a multiple of it. */
  blockSize: number;
  bytesPerBlock: number;
}

/** ggml's type_traits (ggml.c): block size and the bytes one block takes. */
const TRAITS: Record<GgmlType, GgmlTypeTraits> = {
  [GgmlType.F32]: { name: "F32", blockSize: 1, bytesPerBlock: 4 },
  [GgmlType.F16]: { name: "F16", blockSize: 1, bytesPerBlock: 2 },
  [GgmlType.Q4_0]: { name: "Q4_0", blockSize: 32, bytesPerBlock: 18 },
  [GgmlType.Q4_1]: { name: "Q4_1", blockSize: 32, bytesPerBlock: 20 },
  [GgmlType.Q5_0]: { name: "Q5_0", blockSize: 32, bytesPerBlock: 22 },
  [GgmlType.Q5_1]: { name: "Q5_1", blockSize: 32, bytesPerBlock: 24 },
  [GgmlType.Q8_0]: { name: "Q8_0", blockSize: 32, bytesPerBlock: 34 },
  [GgmlType.Q8_1]: { name: "Q8_1", blockSize: 32, bytesPerBlock: 36 },
  [GgmlType.Q2_K]: { name: "Q2_K", blockSize: 256, bytesPerBlock: 84 },
  [GgmlType.Q3_K]: { name: "Q3_K", blockSize: 256, bytesPerBlock: 110 },
  [GgmlType.Q4_K]: { name: "Q4_K", blockSize: 256, bytesPerBlock: 144 },
  [GgmlType.Q5_K]: { name: "Q5_K", blockSize: 256, bytesPerBlock: 176 },
  [GgmlType.Q6_K]: { name: "Q6_K", blockSize: 256, bytesPerBlock: 210 },
  [GgmlType.Q8_K]: { name: "Q8_K", blockSize: 256, bytesPerBlock: 292 },
  [GgmlType.IQ2_XXS]: { name: "IQ2_XXS", blockSize: 256, bytesPerBlock: 66 },
  [GgmlType.IQ2_XS]: { name: "IQ2_XS", blockSize: 256, bytesPerBlock: 74 },
  [GgmlType.IQ3_XXS]: { name: "IQ3_XXS", blockSize: 256, bytesPerBlock: 98 },
  [GgmlType.IQ1_S]: { name: "IQ1_S", blockSize: 256, bytesPerBlock: 50 },
  [GgmlType.IQ4_NL]: { name: "IQ4_NL", blockSize: 32, bytesPerBlock: 18 },
  [GgmlType.IQ3_S]: { name: "IQ3_S", blockSize: 256, bytesPerBlock: 110 },
  [GgmlType.IQ2_S]: { name: "IQ2_S", blockSize: 256, bytesPerBlock: 82 },
  [GgmlType.IQ4_XS]: { name: "IQ4_XS", blockSize: 256, bytesPerBlock: 136 },
  [GgmlType.I8]: { name: "I8", blockSize: 1, bytesPerBlock: 1 },
  [GgmlType.I16]: { name: "I16", blockSize: 1, bytesPerBlock: 2 },
  [GgmlType.I32]: { name: "I32", blockSize: 1, bytesPerBlock: 4 },
  [GgmlType.I64]: { name: "I64", blockSize: 1, bytesPerBlock: 8 },
  [GgmlType.F64]: { name: "F64", blockSize: 1, bytesPerBlock: 8 },
  [GgmlType.IQ1_M]: { name: "IQ1_M", blockSize: 256, bytesPerBlock: 56 },
  [GgmlType.BF16]: { name: "BF16", blockSize: 1, bytesPerBlock: 2 },
  [GgmlType.TQ1_0]: { name: "TQ1_0", blockSize: 256, bytesPerBlock: 54 },
  [GgmlType.TQ2_0]: { name: "TQ2_0", blockSize: 256, bytesPerBlock: 66 },
  [GgmlType.MXFP4]: { name: "MXFP4", blockSize: 32, bytesPerBlock: 17 },
  [GgmlType.NVFP4]: { name: "NVFP4", blockSize: 64, bytesPerBlock: 36 },
  [GgmlType.Q1_0]: { name: "Q1_0", blockSize: 128, bytesPerBlock: 18 },
  [GgmlType.Q2_0]: { name: "Q2_0", blockSize: 64, bytesPerBlock: 18 },
};

export function ggmlTypeTraits(type: GgmlType): GgmlTypeTraits {
  const traits = TRAITS[type];
  if (!traits) {
    throw new UserError(`The tensor type ${type} is unknown to this version of Local Model Runner.`, {
      fix: "Update Local Model Runner, or use a model quantized with a common type (Q4_K_M, Q8_0, F16).",
    });
  }
  return traits;
}

export function bitsPerWeight(type: GgmlType): number {
  const { blockSize, bytesPerBlock } = ggmlTypeTraits(type);
  return (bytesPerBlock * 8) / blockSize;
}

export function elementCount(dims: readonly (bigint | number)[]): number {
  return dims.reduce<number>((count, dim) => count * Number(dim), 1);
}

/** Bytes of one tensor's data, as ggml_nbytes counts them for a contiguous tensor. */
export function tensorByteSize(type: GgmlType, dims: readonly (bigint | number)[]): number {
  const { blockSize, bytesPerBlock } = ggmlTypeTraits(type);
  const rowLength = Number(dims[0] ?? 1);
  if (rowLength % blockSize !== 0) {
    throw new UserError(`A row of ${rowLength} weights does not split into ${ggmlTypeTraits(type).name} blocks of ${blockSize}.`, {
      fix: `Give the tensor a first dimension that is a multiple of ${blockSize}, or store it in F32 or F16.`,
    });
  }
  return (elementCount(dims) / blockSize) * bytesPerBlock;
}

/**
 * llama.cpp's LLAMA_FTYPE (include/llama.h), named the way model tags name them: `MOSTLY_Q4_K_M` is `Q4_K_M`.
 * Numbers 4 to 6 and 33 to 35 were removed from llama.cpp and stay unnamed.
 */
const FILE_TYPE_NAMES: Record<number, string> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  7: "Q8_0",
  8: "Q5_0",
  9: "Q5_1",
  10: "Q2_K",
  11: "Q3_K_S",
  12: "Q3_K_M",
  13: "Q3_K_L",
  14: "Q4_K_S",
  15: "Q4_K_M",
  16: "Q5_K_S",
  17: "Q5_K_M",
  18: "Q6_K",
  19: "IQ2_XXS",
  20: "IQ2_XS",
  21: "Q2_K_S",
  22: "IQ3_XS",
  23: "IQ3_XXS",
  24: "IQ1_S",
  25: "IQ4_NL",
  26: "IQ3_S",
  27: "IQ3_M",
  28: "IQ2_S",
  29: "IQ2_M",
  30: "IQ4_XS",
  31: "IQ1_M",
  32: "BF16",
  36: "TQ1_0",
  37: "TQ2_0",
  38: "MXFP4_MOE",
  39: "NVFP4",
  40: "Q1_0",
  41: "Q2_0",
};

export const LLAMA_FILE_TYPES: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(FILE_TYPE_NAMES).map(([number, name]) => [name, Number(number)]),
);

/** The quantization name of a `general.file_type` number, or undefined for a number llama.cpp never had. */
export function fileTypeName(fileType: number): string | undefined {
  return FILE_TYPE_NAMES[fileType];
}

/** `MOSTLY_Q4_0`, `q4_0` and `Q4_0` all name one quantization; tags and file names use the short form. */
export function normalizeQuantizationName(name: string): string {
  return name.toUpperCase().replace(/^(MOSTLY|ALL)_/, "");
}

const fileTypeSchema = z.number().int().nonnegative();

/**
 * The model's quantization as Docker Model Runner reports it: `general.file_type` when the file has one,
 * otherwise the type holding most of the weights of the matrices (norms and biases stay F32 in every model).
 */
export function quantizationOf(header: Pick<GgufHeader, "metadata" | "tensors">): string {
  const fileType = fileTypeSchema.safeParse(header.metadata["general.file_type"]);
  const named = fileType.success ? fileTypeName(fileType.data) : undefined;
  if (named) return named;

  const weightsByType = new Map<GgmlType, number>();
  for (const tensor of header.tensors) {
    if (tensor.dims.length < 2) continue;
    weightsByType.set(tensor.type, (weightsByType.get(tensor.type) ?? 0) + elementCount(tensor.dims));
  }
  const [mostUsed] = [...weightsByType].sort(([, a], [, b]) => b - a)[0] ?? [];
  return (mostUsed !== undefined && TRAITS[mostUsed]?.name) || "unknown";
}

/** Weights in all tensors; a split model counts the tensors of every shard. */
export function parameterCount(tensors: readonly Pick<GgufTensorInfo, "dims">[]): number {
  return tensors.reduce((count, tensor) => count + elementCount(tensor.dims), 0);
}

/** Bytes of tensor data, without the header and alignment padding. */
export function weightBytes(tensors: readonly Pick<GgufTensorInfo, "dims" | "type">[]): number {
  return tensors.reduce((bytes, tensor) => bytes + tensorByteSize(tensor.type, tensor.dims), 0);
}

const PARAMETER_UNITS: [number, string][] = [
  [1e12, "T"],
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "K"],
];

/** Docker Model Runner's parameter notation: 134515008 is "134.52M", 1100048384 is "1.10B". */
export function formatParameterCount(count: number): string {
  const [scale, unit] = PARAMETER_UNITS.find(([scale]) => count >= scale) ?? [1, ""];
  return `${(count / scale).toFixed(2)}${unit}`;
}
