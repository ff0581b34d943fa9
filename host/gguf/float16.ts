/**
 * IEEE half precision, converted the way ggml converts it (ggml-impl.h, after Maratyszcza's FP16 library):
 * round to nearest even, overflow to infinity, NaN kept NaN. Written with Math.fround at each float step so
 * a quantized file is byte-identical to one ggml would write.
 */

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

function bitsOf(value: number): number {
  scratch[0] = value;
  return scratchBits[0]!;
}

function floatOf(bits: number): number {
  scratchBits[0] = bits;
  return scratch[0]!;
}

export function toFloat16Bits(value: number): number {
  const w = bitsOf(value);
  const single = floatOf(w);
  let base = Math.fround(Math.fround(Math.abs(single) * 2 ** 112) * 2 ** -110);
  const shl1 = (w << 1) >>> 0;
  const bias = Math.max((shl1 & 0xff000000) >>> 0, 0x71000000);
  base = Math.fround(floatOf((bias >>> 1) + 0x07800000) + base);
  const bits = bitsOf(base);
  const nonsign = ((bits >>> 13) & 0x7c00) + (bits & 0x0fff);
  return ((w & 0x80000000) >>> 16) | (shl1 > 0xff000000 ? 0x7e00 : nonsign);
}

export function fromFloat16Bits(half: number): number {
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  const sign = half & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
