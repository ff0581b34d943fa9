import { GgufValueType, type GgufNumberType, type GgufTypedArray, type GgufTypedValue } from "./types";

function number(type: GgufNumberType) {
  return (value: number): GgufTypedValue => ({ type, value });
}

function array(itemType: GgufNumberType, value: readonly number[] | ArrayLike<number>): GgufTypedArray;
function array(itemType: GgufValueType.UINT64 | GgufValueType.INT64, value: readonly bigint[]): GgufTypedArray;
function array(itemType: GgufValueType.BOOL, value: readonly boolean[]): GgufTypedArray;
function array(itemType: GgufValueType.STRING, value: readonly string[]): GgufTypedArray;
function array(itemType: GgufValueType.ARRAY, value: readonly GgufTypedArray[]): GgufTypedArray;
function array(itemType: GgufValueType, value: unknown): GgufTypedArray {
  return { type: GgufValueType.ARRAY, itemType, value } as GgufTypedArray;
}

/** Metadata values with their GGUF type, for the writer: `ggufValue.u32(2)`, `ggufValue.array(STRING, tokens)`. */
export const ggufValue = {
  u8: number(GgufValueType.UINT8),
  i8: number(GgufValueType.INT8),
  u16: number(GgufValueType.UINT16),
  i16: number(GgufValueType.INT16),
  u32: number(GgufValueType.UINT32),
  i32: number(GgufValueType.INT32),
  f32: number(GgufValueType.FLOAT32),
  f64: number(GgufValueType.FLOAT64),
  u64: (value: bigint): GgufTypedValue => ({ type: GgufValueType.UINT64, value }),
  i64: (value: bigint): GgufTypedValue => ({ type: GgufValueType.INT64, value }),
  bool: (value: boolean): GgufTypedValue => ({ type: GgufValueType.BOOL, value }),
  str: (value: string): GgufTypedValue => ({ type: GgufValueType.STRING, value }),
  array,
};
