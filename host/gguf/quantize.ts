import { UserError } from "../errors";
import { float16FromFloat32Bits, toFloat16Bits } from "./float16";
import { ggmlTypeTraits, tensorByteSize } from "./quantization";
import { GgmlType } from "./types";

export const QUANTIZABLE_TYPES = [GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0] as const;
export type QuantizableType = (typeof QUANTIZABLE_TYPES)[number];

/**
 * Encodes weights in ggml's layout for `type`, with the arithmetic of ggml's reference quantizers
 * (quantize_row_*_ref in ggml-quants.c), so llama.cpp reads back what a real conversion would have stored.
 * `values.length` must be a multiple of the type's block size.
 */
export function quantize(type: GgmlType, values: Float32Array): Uint8Array {
  const output = new Uint8Array(tensorByteSize(type, [values.length]));
  const view = new DataView(output.buffer);
  switch (type) {
    case GgmlType.F32:
      for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
      return output;
    case GgmlType.F16: {
      const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
      for (let i = 0; i < values.length; i++) view.setUint16(i * 2, float16FromFloat32Bits(bits[i]!), true);
      return output;
    }
    case GgmlType.Q8_0:
      quantizeQ8_0(values, output, view);
      return output;
    case GgmlType.Q4_0:
      quantizeQ4_0(values, output, view);
      return output;
    default:
      throw new UserError(`Writing ${ggmlTypeTraits(type).name} weights is not supported.`, {
        fix: "Write F32, F16, Q8_0 or Q4_0 weights; llama.cpp's llama-quantize converts them to other types.",
      });
  }
}

/** Block: fp16 scale d = max|x| / 127, then 32 int8 round(x / d). */
function quantizeQ8_0(values: Float32Array, output: Uint8Array, view: DataView): void {
  const quants = new Int8Array(output.buffer);
  for (let block = 0, out = 0; block < values.length; block += 32, out += 34) {
    let absMax = 0;
    for (let j = 0; j < 32; j++) absMax = Math.max(absMax, Math.abs(values[block + j]!));
    const d = Math.fround(absMax / 127);
    const inverse = d ? Math.fround(1 / d) : 0;
    view.setUint16(out, toFloat16Bits(d), true);
    for (let j = 0; j < 32; j++) {
      const scaled = Math.fround(values[block + j]! * inverse);
      // C's roundf: halves away from zero (Math.round would take -2.5 to -2). Storing into the
      // Int8Array truncates toward zero, which after adding ±0.5 is exactly that rounding.
      quants[out + 2 + j] = scaled + (scaled < 0 ? -0.5 : 0.5);
    }
  }
}

/**
 * Block: fp16 scale d = (the value of largest magnitude) / -8, then 16 bytes of 4-bit codes
 * min(15, trunc(x / d + 8.5)): byte j holds element j in its low nibble and element j + 16 in its high one.
 */
function quantizeQ4_0(values: Float32Array, output: Uint8Array, view: DataView): void {
  for (let block = 0, out = 0; block < values.length; block += 32, out += 18) {
    let absMax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const value = values[block + j]!;
      if (absMax < Math.abs(value)) {
        absMax = Math.abs(value);
        max = value;
      }
    }
    const d = Math.fround(max / -8);
    const inverse = d ? Math.fround(1 / d) : 0;
    view.setUint16(out, toFloat16Bits(d), true);
    for (let j = 0; j < 16; j++) {
      const low = Math.min(15, Math.trunc(Math.fround(Math.fround(values[block + j]! * inverse) + 8.5)));
      const high = Math.min(15, Math.trunc(Math.fround(Math.fround(values[block + 16 + j]! * inverse) + 8.5)));
      output[out + 2 + j] = low | (high << 4);
    }
  }
}
