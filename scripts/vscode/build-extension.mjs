// esbuild entries for the extension (scripts/build.mjs calls buildExtension) and for its mocha suites, which the
// extension host loads with require(): both CommonJS, with `vscode` left to the host that provides it.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { repoRoot } from "./code-server.mjs";

const common = {
  absWorkingDir: repoRoot,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  external: ["vscode"],
  sourcemap: true,
  logLevel: "warning",
};

export async function buildExtension() {
  await build({ ...common, entryPoints: ["extension/main.ts"], outfile: "dist/extension.cjs" });
}

/** Bundles test/extension/suite/ into `outdir`, one file per suite so mocha reports each by name. */
export async function buildExtensionTests(outdir) {
  const suite = join(repoRoot, "test/extension/suite");
  const files = (await readdir(suite)).filter((file) => file.endsWith(".ts"));
  // A suite deleted from the source must not keep running from an old bundle.
  await rm(outdir, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: files.map((file) => join(suite, file)),
    outdir,
    outExtension: { ".js": ".cjs" },
    // mocha resolves its parallel-mode workers by path; the suites run serially and never load them.
    logOverride: { "require-resolve-not-external": "silent" },
  });
}
