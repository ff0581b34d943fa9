#!/usr/bin/env bash
# Builds llama.cpp's own llama-server from the exact source node-llama-cpp ships, as the benchmark's bar.
#
# Fairness: the binary must run the same kernels and the same threading as the llama.cpp our runner loads. The
# benchmark runs our runner on llama.cpp built for this machine (`lmr install-runner --build`: node-llama-cpp's
# own source build with GGML_NATIVE=ON and GGML_OPENMP=ON, see host/engines/llamacpp/local-build.ts), so this
# builds llama-server with the same two options from the same commit.
#
# Idempotent: prints the binary's path and exits when it is already built from the shipped commit.
# Usage: scripts/llama-server/build.sh   (BUILD_JOBS=N to change the default of 2 parallel jobs)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bundle="$root/node_modules/node-llama-cpp/llama/gitRelease.bundle"
src="$root/.cache/llama.cpp"
build="$src/build"
binary="$build/bin/llama-server"
stamp="$build/lmr-build.stamp"
jobs="${BUILD_JOBS:-2}"

for tool in git cmake g++; do
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

configuration="GGML_NATIVE=ON GGML_OPENMP=ON"

wanted="$commit $configuration"
if [[ -x "$binary" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "$binary"
  exit 0
fi

echo "llama-server: building ($configuration, -j$jobs); this takes a while" >&2
# A build folder configured otherwise keeps its cached options: start from an empty one.
rm -rf "$build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=ON -DGGML_OPENMP=ON -DBUILD_SHARED_LIBS=ON -DGGML_CCACHE=OFF \
  -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >&2
cmake --build "$build" --config Release --target llama-server -j "$jobs" >&2
echo "$wanted" >"$stamp"
echo "$binary"
