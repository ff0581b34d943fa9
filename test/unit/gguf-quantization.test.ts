import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fromFloat16Bits, toFloat16Bits } from "../../host/gguf/float16";
import { quantize } from "../../host/gguf/quantize";
import {
  bitsPerWeight,
  fileTypeName,
  formatParameterCount,
  normalizeQuantizationName,
  parameterCount,
  quantizationOf,
  tensorByteSize,
  weightBytes,
} from "../../host/gguf/quantization";
import { GgmlType, type GgufTensorInfo } from "../../host/gguf/types";

function tensor(name: string, type: GgmlType, ...dims: number[]): GgufTensorInfo {
  return { name, type, dims: dims.map(BigInt), offset: 0n };
}

/** The tensors of SmolLM2-135M: llama, width 576, 30 layers, 3 KV heads of 64, FFN 1536, tied embeddings. */
function smolLm2Tensors(type: GgmlType): GgufTensorInfo[] {
  const layers = Array.from({ length: 30 }, (_, i) => [
    tensor(`blk.${i}.attn_norm.weight`, GgmlType.F32, 576),
    tensor(`blk.${i}.attn_q.weight`, type, 576, 576),
    tensor(`blk.${i}.attn_k.weight`, type, 576, 192),
    tensor(`blk.${i}.attn_v.weight`, type, 576, 192),
    tensor(`blk.${i}.attn_output.weight`, type, 576, 576),
    tensor(`blk.${i}.ffn_norm.weight`, GgmlType.F32, 576),
    tensor(`blk.${i}.ffn_gate.weight`, type, 576, 1536),
    tensor(`blk.${i}.ffn_up.weight`, type, 576, 1536),
    tensor(`blk.${i}.ffn_down.weight`, type, 1536, 576),
  ]);
  return [tensor("token_embd.weight", type, 576, 49152), ...layers.flat(), tensor("output_norm.weight", GgmlType.F32, 576)];
}

describe("quantization names and sizes", () => {
  test("names llama.cpp file types the way model tags do", () => {
    assert.equal(fileTypeName(15), "Q4_K_M");
    assert.equal(fileTypeName(7), "Q8_0");
    assert.equal(fileTypeName(1), "F16");
    assert.equal(fileTypeName(0), "F32");
    assert.equal(fileTypeName(32), "BF16");
    assert.equal(fileTypeName(5), undefined, "Q4_2 was removed from llama.cpp");
    assert.equal(normalizeQuantizationName("MOSTLY_Q4_0"), "Q4_0");
    assert.equal(normalizeQuantizationName("q4_k_m"), "Q4_K_M");
    assert.equal(normalizeQuantizationName("ALL_F32"), "F32");
  });

  test("takes the quantization from general.file_type, or from the weights when the file has none", () => {
    const tensors = smolLm2Tensors(GgmlType.Q8_0);
    assert.equal(quantizationOf({ metadata: { "general.file_type": 15 }, tensors }), "Q4_K_M");
    assert.equal(quantizationOf({ metadata: {}, tensors }), "Q8_0");
    assert.equal(quantizationOf({ metadata: { "general.file_type": 4 }, tensors: smolLm2Tensors(GgmlType.F16) }), "F16");
  });

  test("counts parameters and weight bytes like Docker Model Runner reports them", () => {
    const tensors = smolLm2Tensors(GgmlType.Q8_0);
    assert.equal(parameterCount(tensors), 134_515_008);
    assert.equal(formatParameterCount(parameterCount(tensors)), "134.52M");
    assert.equal(formatParameterCount(1_100_048_384), "1.10B");
    assert.equal(formatParameterCount(135_000_000), "135.00M");
    assert.equal(formatParameterCount(70_553_706_496), "70.55B");
    assert.equal(formatParameterCount(4_096), "4.10K");
    assert.equal(formatParameterCount(512), "512.00");
    // Q8_0 stores 32 weights in 34 bytes; the 1-D norms stay F32.
    const norms = 61 * 576;
    assert.equal(weightBytes(tensors), ((134_515_008 - norms) / 32) * 34 + norms * 4);
  });

  test("knows bits per weight and the block sizes rows must respect", () => {
    assert.equal(bitsPerWeight(GgmlType.F16), 16);
    assert.equal(bitsPerWeight(GgmlType.Q8_0), 8.5);
    assert.equal(bitsPerWeight(GgmlType.Q4_0), 4.5);
    assert.equal(bitsPerWeight(GgmlType.Q4_K), 4.5);
    assert.equal(bitsPerWeight(GgmlType.Q6_K), 6.5625);
    assert.equal(tensorByteSize(GgmlType.Q4_K, [256, 4]), 4 * 144);
    assert.throws(() => tensorByteSize(GgmlType.Q4_K, [128, 4]), /does not split into Q4_K blocks of 256/);
  });
});

describe("quantizers", () => {
  test("convert to half precision with ggml's rounding", () => {
    assert.equal(toFloat16Bits(1), 0x3c00);
    assert.equal(toFloat16Bits(-2), 0xc000);
    assert.equal(toFloat16Bits(65504), 0x7bff);
    assert.equal(toFloat16Bits(65520), 0x7c00, "rounds up to infinity");
    assert.equal(toFloat16Bits(2 ** -24), 0x0001, "smallest subnormal");
    assert.equal(toFloat16Bits(0.1), 0x2e66);
    assert.equal(toFloat16Bits(1 + 2 ** -11), 0x3c00, "a tie rounds to the even mantissa");
    assert.equal(toFloat16Bits(1 + 3 * 2 ** -11), 0x3c02, "a tie rounds to the even mantissa");
    assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(Number.NaN))));
    for (const value of [0, 1, -0.5, 3.140625, 65504, 2 ** -24, -(2 ** -14)]) {
      assert.equal(fromFloat16Bits(toFloat16Bits(value)), value);
    }
  });

  test("lay out Q8_0 blocks as ggml does: fp16 scale, then 32 int8", () => {
    const values = Float32Array.from({ length: 32 }, (_, j) => j - 16);
    values[1] = -2.5 * (16 / 127);
    const block = quantize(GgmlType.Q8_0, values);
    assert.equal(block.length, 34);
    const view = new DataView(block.buffer);
    assert.equal(view.getUint16(0, true), toFloat16Bits(16 / 127));
    assert.equal(view.getInt8(2), -127);
    assert.equal(view.getInt8(3), -3, "halves round away from zero, as C's roundf does");
    assert.equal(view.getInt8(2 + 16), 0);
    assert.equal(view.getInt8(2 + 31), 119);
  });

  test("lay out Q4_0 blocks as ggml does: fp16 scale, then element j and j + 16 in one byte", () => {
    const values = Float32Array.from({ length: 32 }, (_, j) => (j < 16 ? j - 8 : 23 - j));
    const block = quantize(GgmlType.Q4_0, values);
    assert.equal(block.length, 18);
    assert.equal(new DataView(block.buffer).getUint16(0, true), toFloat16Bits(1), "d = -8 / -8");
    // Element 0 is -8 (code 0), element 16 is 7 (code 15); element 8 is 0 (code 8), element 24 is -1 (code 7).
    assert.equal(block[2], 0 | (15 << 4));
    assert.equal(block[2 + 8], 8 | (7 << 4));
  });

  test("keep F32 exact and refuse types they cannot write", () => {
    const values = Float32Array.from([1.5, -0.25, 1e-30]);
    assert.deepEqual(new Float32Array(quantize(GgmlType.F32, values).buffer), values);
    assert.throws(() => quantize(GgmlType.Q4_K, new Float32Array(256)), /Writing Q4_K weights is not supported/);
  });
});
