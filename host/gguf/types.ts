/** GGUF v3 value and tensor types, as the format defines them (ggml's gguf.h and ggml.h). */

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** Bytes of each fixed-size value type; strings and arrays carry their own lengths. */
export const GGUF_SCALAR_BYTES: Partial<Record<GgufValueType, number>> = {
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
};

export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
  Q2_0 = 42,
}

export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] is the fastest-moving (row length). */
  dims: bigint[];
  type: GgmlType;
  /** Offset of the tensor's data relative to the start of the data section. */
  offset: bigint;
}

/** How a metadata value is stored: a JS number alone does not say whether the file has uint32 or float32. */
export interface GgufStoredType {
  type: GgufValueType;
  /** The type of an array's items (ARRAY again for an array of arrays). */
  itemType?: GgufValueType;
}

export interface GgufHeader {
  version: number;
  metadata: Record<string, GgufValue>;
  metadataTypes: Record<string, GgufStoredType>;
  tensors: GgufTensorInfo[];
  /** Absolute file offset where tensor data begins (aligned). */
  dataOffset: number;
  /** Bytes of the header, i.e. how much a Range request must fetch to read it. */
  headerSize: number;
}

/**
 * A metadata value with its GGUF type, as the writer needs it: a JS number alone does not say whether the
 * file stores uint32 or float32, and llama.cpp rejects a key stored with the wrong one.
 */
export type GgufTypedValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufValueType.UINT64 | GgufValueType.INT64; value: bigint }
  | { type: GgufValueType.BOOL; value: boolean }
  | { type: GgufValueType.STRING; value: string }
  | GgufTypedArray;

export type GgufNumberType =
  | GgufValueType.UINT8
  | GgufValueType.INT8
  | GgufValueType.UINT16
  | GgufValueType.INT16
  | GgufValueType.UINT32
  | GgufValueType.INT32
  | GgufValueType.FLOAT32
  | GgufValueType.FLOAT64;

/** Every item of a GGUF array has the one item type; items of an array of arrays each carry their own. */
export type GgufTypedArray =
  | { type: GgufValueType.ARRAY; itemType: GgufNumberType; value: readonly number[] | ArrayLike<number> }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType.UINT64 | GgufValueType.INT64; value: readonly bigint[] }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType.BOOL; value: readonly boolean[] }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType.STRING; value: readonly string[] }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType.ARRAY; value: readonly GgufTypedArray[] };
