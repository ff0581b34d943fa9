/**
 * IEEE half precision with round to nearest even, overflow to infinity and NaN kept NaN, which is what
 * ggml's conversion (ggml-impl.h) gives, so a quantized file is byte-identical to one ggml would write.
 * Integer arithmetic on the float32 bits: fast enough for the millions of weights of a generated model.
 */
export function float16FromFloat32Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff - 127 + 15) return sign | (mantissa ? 0x7e00 : 0x7c00);
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    // A subnormal half: the implicit leading bit joins the mantissa, shifted by how far below normal it is.
    const shift = 14 - exponent;
    const full = mantissa | 0x800000;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const half = full >>> shift;
    return sign | (rest > halfway || (rest === halfway && half & 1) ? half + 1 : half);
  }
  const half = (exponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // Rounding up may carry into the exponent, which is still the right half (up to infinity).
  return sign | (rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half);
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

export function toFloat16Bits(value: number): number {
  scratch[0] = value;
  return float16FromFloat32Bits(scratchBits[0]!);
}

export function fromFloat16Bits(half: number): number {
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  const sign = half & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
