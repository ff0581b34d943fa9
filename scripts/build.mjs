// Bundles the host, its runner, the CLI and the extension into dist/.
// node-llama-cpp stays external: it finds its native binaries relative to its own package folder.
import { build } from "esbuild";
import { buildExtension } from "./vscode/build-extension.mjs";

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
};

await Promise.all([
  buildExtension(),
  build({
    ...common,
    entryPoints: {
      lmr: "host/cli/main.ts",
      runner: "host/engines/llamacpp/runner/main.ts",
      "write-thread": "host/store/write-thread.ts",
      "hash-thread": "host/store/hash-thread.ts",
      "download-thread": "host/registry/download-thread.ts",
    },
    outdir: "dist",
    outExtension: { ".js": ".mjs" },
    format: "esm",
    external: ["node-llama-cpp"],
    // esbuild's ESM output has no `require`; some bundled CJS dependencies still call it.
    banner: { js: "import { createRequire as __lmrRequire } from 'node:module'; const require = __lmrRequire(import.meta.url);" },
  }),
]);
