import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bestVariant, parseVariantTable } from "../../host/engines/llamacpp/cpu-variant";

// ggml/src/CMakeLists.txt as node-llama-cpp 3.21.1 ships it, shortened: the x86 table and some ARM rows.
const TABLE = `
    if (GGML_SYSTEM_ARCH STREQUAL "x86")
        ggml_add_cpu_backend_variant(x64)
        ggml_add_cpu_backend_variant(sse42              SSE42)
        ggml_add_cpu_backend_variant(sandybridge        SSE42 AVX)
        if (NOT MSVC)
            ggml_add_cpu_backend_variant(ivybridge      SSE42 AVX F16C)
            ggml_add_cpu_backend_variant(piledriver     SSE42 AVX F16C FMA)
        endif()
        ggml_add_cpu_backend_variant(haswell            SSE42 AVX F16C FMA AVX2 BMI2)
        ggml_add_cpu_backend_variant(skylakex           SSE42 AVX F16C FMA AVX2 BMI2 AVX512)
        ggml_add_cpu_backend_variant(cannonlake         SSE42 AVX F16C FMA AVX2 BMI2 AVX512 AVX512_VBMI)
        ggml_add_cpu_backend_variant(cascadelake        SSE42 AVX F16C FMA AVX2 BMI2 AVX512 AVX512_VNNI)
        ggml_add_cpu_backend_variant(icelake            SSE42 AVX F16C FMA AVX2 BMI2 AVX512 AVX512_VBMI AVX512_VNNI)
        if (NOT MSVC)
            ggml_add_cpu_backend_variant(cooperlake     SSE42 AVX F16C FMA AVX2 BMI2 AVX512 AVX512_VNNI AVX512_BF16)
            ggml_add_cpu_backend_variant(zen4           SSE42 AVX F16C FMA AVX2 BMI2 AVX512 AVX512_VBMI AVX512_VNNI AVX512_BF16)
        endif()
        ggml_add_cpu_backend_variant(alderlake          SSE42 AVX F16C FMA AVX2 BMI2 AVX_VNNI)
        if (NOT MSVC)
            ggml_add_cpu_backend_variant(sapphirerapids SSE42 AVX F16C FMA AVX2 BMI2 AVX512 AVX512_VBMI AVX512_VNNI AVX512_BF16 AMX_TILE AMX_INT8)
        endif()
    elseif(GGML_SYSTEM_ARCH STREQUAL "ARM")
        if (CMAKE_SYSTEM_NAME MATCHES "Linux")
            ggml_add_cpu_backend_variant(armv8.0_1)
            ggml_add_cpu_backend_variant(armv8.2_1    DOTPROD)
            ggml_add_cpu_backend_variant(armv8.6_1    DOTPROD FP16_VECTOR_ARITHMETIC SVE MATMUL_INT8)
`;

// /proc/cpuinfo flags of real CPUs, trimmed to what ggml's x86 score reads.
const HASWELL = "fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi1 bmi2";
const ZEN4 = `${HASWELL} avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl avx512_bf16 avx512vbmi avx512_vbmi2 avx512_vnni`;
const ALDER_LAKE = `${HASWELL} avx_vnni`;
const SAPPHIRE_RAPIDS = `${ZEN4} amx_bf16 amx_tile amx_int8`;

const flags = (line: string) => new Set(line.split(" "));

describe("ggml's CPU variant for this machine", () => {
  const variants = parseVariantTable(TABLE);

  it("reads the x86 rows of ggml's variant table and leaves the ARM rows", () => {
    assert.deepEqual(
      variants.map((variant) => variant.name),
      ["x64", "sse42", "sandybridge", "ivybridge", "piledriver", "haswell", "skylakex", "cannonlake", "cascadelake", "icelake", "cooperlake", "zen4", "alderlake", "sapphirerapids"],
    );
    assert.deepEqual(variants.find((variant) => variant.name === "zen4")!.features, ["SSE42", "AVX", "F16C", "FMA", "AVX2", "BMI2", "AVX512", "AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16"]);
    assert.deepEqual(variants[0]!.features, []);
  });

  it("picks the variant ggml's loader picks: the best one whose every feature the CPU has", () => {
    assert.equal(bestVariant(variants, flags(HASWELL))?.name, "haswell");
    assert.equal(bestVariant(variants, flags(ZEN4))?.name, "zen4");
    assert.equal(bestVariant(variants, flags(ALDER_LAKE))?.name, "alderlake");
    assert.equal(bestVariant(variants, flags(SAPPHIRE_RAPIDS))?.name, "sapphirerapids");
  });

  it("needs all five AVX-512 subsets for an AVX-512 variant, as ggml does", () => {
    // Knights Landing has AVX-512 F and CD but not VL, DQ or BW.
    assert.equal(bestVariant(variants, flags(`${HASWELL} avx512f avx512cd`))?.name, "haswell");
  });

  it("falls back to the baseline on a CPU with none of the features", () => {
    assert.equal(bestVariant(variants, flags("fpu sse sse2"))?.name, "x64");
  });
});
