#!/usr/bin/env bash
# Builds llama.cpp's own llama-server from the exact source node-llama-cpp ships, as the benchmark's bar, in one
# of two configurations; the benchmark measures both and holds our API to the faster one in each row.
#
#   prebuilt  configured the way node-llama-cpp's CI builds its prebuilt addon (compileLLamaCpp.js, ciMode):
#             GGML_NATIVE=OFF, GGML_OPENMP=OFF, GGML_BACKEND_DL=ON, with the CPU variant the prebuilt loads here
#             (asked of node-llama-cpp, its feature flags read from ggml's own variant table); without OpenMP,
#             llama-server runs ggml on a pool of polling threads of its own.
#   runner    configured as `lmr install-runner --build` builds our runner's llama.cpp
#             (host/engines/llamacpp/local-build.ts): the same, with GGML_OPENMP=ON; where the prebuilt has no
#             CPU variants, GGML_NATIVE=ON and GGML_OPENMP=ON.
#
# Idempotent: prints the binary's path and exits when that configuration is already built from the shipped commit.
# Usage: scripts/llama-server/build.sh prebuilt|runner   (BUILD_JOBS=N to change the default of 2 parallel jobs)
set -euo pipefail

config="${1:-}"
[[ "$config" == prebuilt || "$config" == runner ]] || { echo "usage: $0 prebuilt|runner" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bundle="$root/node_modules/node-llama-cpp/llama/gitRelease.bundle"
src="$root/.cache/llama.cpp"
build="$src/build-$config"
binary="$build/bin/llama-server"
stamp="$build/lmr-build.stamp"
jobs="${BUILD_JOBS:-2}"

for tool in git cmake g++ node; do
  command -v "$tool" >/dev/null || { echo "llama-server: '$tool' is not installed; install it to build the benchmark's bar" >&2; exit 1; }
done
[[ -f "$bundle" ]] || { echo "llama-server: $bundle is missing; run npm install" >&2; exit 1; }

commit="$(git bundle list-heads "$bundle" | awk '$2 == "HEAD" { print $1 }')"

if [[ ! -d "$src/.git" ]]; then
  echo "llama-server: cloning the llama.cpp source node-llama-cpp ships ($commit)" >&2
  git clone --quiet "$bundle" "$src"
fi
if [[ "$(git -C "$src" rev-parse HEAD)" != "$commit" ]]; then
  git -C "$src" fetch --quiet "$bundle" HEAD
  git -C "$src" -c advice.detachedHead=false checkout --quiet "$commit"
fi

openmp=OFF
[[ "$config" == runner ]] && openmp=ON
flags=(-DGGML_OPENMP=$openmp)
with_openmp=""
[[ "$config" == runner ]] && with_openmp=", OpenMP"
# The CPU variant node-llama-cpp's prebuilt binary loads here ("zen4", "haswell", ...); empty when it has one CPU backend.
variant="$(node "$root/scripts/prebuilt-cpu-variant.mjs")"
if [[ "$(uname -m)" == x86_64 && -n "$variant" ]]; then
  # The variant table line, e.g. `ggml_add_cpu_backend_variant(zen4 SSE42 AVX ... AVX512_BF16)`.
  features="$(sed -nE "s/^ *ggml_add_cpu_backend_variant\($variant( +([A-Z0-9_ ]*))?\).*/\2/p" "$src/ggml/src/CMakeLists.txt" | head -n1)"
  flags+=(-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON)
  for feature in SSE42 AVX AVX2 BMI2 AVX_VNNI FMA F16C AVX512 AVX512_VBMI AVX512_VNNI AVX512_BF16 AMX_TILE AMX_INT8 AMX_BF16; do
    if [[ " $features " == *" $feature "* ]]; then flags+=("-DGGML_$feature=ON"); else flags+=("-DGGML_$feature=OFF"); fi
  done
  configuration="$config: cpu variant $variant: ${features:-baseline x86-64}$with_openmp"
elif [[ "$config" == runner ]]; then
  flags+=(-DGGML_NATIVE=ON)
  configuration="runner: native, OpenMP"
else
  flags+=(-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON)
  configuration="prebuilt: all cpu variants"
fi

wanted="$commit $configuration"
if [[ -x "$binary" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "$binary"
  exit 0
fi

echo "llama-server: building ($configuration, -j$jobs); this takes a while" >&2
# A build folder configured otherwise keeps its cached options: start from an empty one.
rm -rf "$build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_CCACHE=OFF "${flags[@]}" \
  -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >&2
cmake --build "$build" --config Release --target llama-server -j "$jobs" >&2
echo "$wanted" >"$stamp"
echo "$binary"
