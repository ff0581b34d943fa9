/**
 * Which of ggml's x86 CPU variants suits this machine, chosen as ggml's own loader chooses among the variants
 * node-llama-cpp's prebuilt binary ships (`ggml_backend_cpu_x86_score` in ggml-cpu/arch/x86/cpu-feats.cpp): a
 * variant whose features the CPU lacks scores 0, the others score by the features they use, the highest wins.
 *
 * Why not `-march=native`: built with GGML_NATIVE, prompt processing measured 5-7% slower here than the same
 * source built with the prebuilt variant's flags (`.cache/cfg.ts`, a zen4 CPU, interleaved rounds).
 */
import { readFile } from "node:fs/promises";

export interface CpuVariant {
  /** ggml's name for it: `zen4`, `haswell`, `x64`, ... */
  name: string;
  /** ggml's feature options it is built with (`AVX2`, `AVX512_VNNI`, ...); the others are off. */
  features: string[];
}

/** Every x86 feature option ggml's variant table uses; each becomes `GGML_<feature>` in cmake. */
export const X86_FEATURES = ["SSE42", "AVX", "AVX2", "BMI2", "AVX_VNNI", "FMA", "F16C", "AVX512", "AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16", "AMX_TILE", "AMX_INT8", "AMX_BF16"] as const;

/** ggml's score per feature, and the cpuid bits (as /proc/cpuinfo names them) it requires. */
const SCORED: Record<string, { weight: number; flags: string[] }> = {
  FMA: { weight: 1, flags: ["fma"] },
  F16C: { weight: 1 << 1, flags: ["f16c"] },
  SSE42: { weight: 1 << 2, flags: ["sse4_2"] },
  BMI2: { weight: 1 << 3, flags: ["bmi2"] },
  AVX: { weight: 1 << 4, flags: ["avx"] },
  AVX2: { weight: 1 << 5, flags: ["avx2"] },
  AVX_VNNI: { weight: 1 << 6, flags: ["avx_vnni"] },
  AVX512: { weight: 1 << 7, flags: ["avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"] },
  AVX512_VBMI: { weight: 1 << 8, flags: ["avx512vbmi"] },
  AVX512_BF16: { weight: 1 << 9, flags: ["avx512_bf16"] },
  AVX512_VNNI: { weight: 1 << 10, flags: ["avx512_vnni"] },
  AMX_INT8: { weight: 1 << 11, flags: ["amx_int8"] },
};

/** The x86 rows of ggml's variant table, `ggml_add_cpu_backend_variant(zen4 SSE42 AVX ...)` in ggml/src/CMakeLists.txt. */
export function parseVariantTable(cmakeLists: string): CpuVariant[] {
  const variants: CpuVariant[] = [];
  for (const match of cmakeLists.matchAll(/^\s*ggml_add_cpu_backend_variant\(([\w.]+)((?:\s+\w+)*)\s*\)/gm)) {
    const features = match[2]!.trim().split(/\s+/).filter(Boolean);
    // The table's ARM rows name ARM features; an x86 row names only x86 ones (the baseline `x64` none).
    const x86 = match[1] === "x64" || (features.length > 0 && features.every((feature) => (X86_FEATURES as readonly string[]).includes(feature)));
    if (x86) variants.push({ name: match[1]!, features });
  }
  return variants;
}

/** ggml's score of a variant on a CPU with these cpuid flags: 0 when it cannot run there. */
export function scoreVariant(variant: CpuVariant, cpuFlags: ReadonlySet<string>): number {
  let score = 1;
  for (const feature of variant.features) {
    const scored = SCORED[feature];
    if (!scored) continue;
    if (!scored.flags.every((flag) => cpuFlags.has(flag))) return 0;
    score += scored.weight;
  }
  return score;
}

/** The variant ggml would load on a CPU with these flags; undefined when none runs there. */
export function bestVariant(variants: readonly CpuVariant[], cpuFlags: ReadonlySet<string>): CpuVariant | undefined {
  let best: { variant: CpuVariant; score: number } | undefined;
  for (const variant of variants) {
    const score = scoreVariant(variant, cpuFlags);
    if (score > (best?.score ?? 0)) best = { variant, score };
  }
  return best?.variant;
}

/** This CPU's feature flags, from Linux's /proc/cpuinfo; undefined where there is none. */
export async function cpuFlags(): Promise<Set<string> | undefined> {
  try {
    const line = /^flags\s*:(.*)$/m.exec(await readFile("/proc/cpuinfo", "utf8"))?.[1];
    return line === undefined ? undefined : new Set(line.trim().split(/\s+/));
  } catch {
    return undefined;
  }
}
