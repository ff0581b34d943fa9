// `npm run package [-- --target linux-x64] [--binaries all|cpu] [--out FILE]`: the extension as a .vsix for one
// platform. The bundles in dist/ hold everything but node-llama-cpp, which loads llama.cpp's prebuilt binaries
// relative to its own folder and so ships as a package: the files it runs from, the packages its code imports
// (found by following its imports, not its package.json, which also lists its build-from-source and CLI tools), and
// only this target's binary packages. They go to dist/node_modules, where the host's `import "node-llama-cpp"`
// finds them, because vsce leaves a top-level node_modules to npm and would pull in the whole dependency tree.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { cp, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { basename, dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { repoRoot } from "./code-server.mjs";

/** vsce's targets and the name prefix of node-llama-cpp's binary packages for each. */
const BINARY_PREFIX = {
  "linux-x64": "linux-x64",
  "linux-arm64": "linux-arm64",
  "linux-armhf": "linux-armv7l",
  "darwin-x64": "mac-x64",
  "darwin-arm64": "mac-arm64",
  "win32-x64": "win-x64",
  "win32-arm64": "win-arm64",
};

const { values } = parseArgs({
  options: {
    target: { type: "string", default: currentTarget() },
    binaries: { type: "string", default: "all" },
    out: { type: "string" },
  },
});
const target = values.target;
const prefix = BINARY_PREFIX[target];
if (!prefix) fail(`no prebuilt llama.cpp for --target ${target}; one of: ${Object.keys(BINARY_PREFIX).join(", ")}`);
if (!["all", "cpu"].includes(values.binaries)) fail(`--binaries takes all (every GPU backend) or cpu (Install Runner adds a GPU one later)`);

const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
const modules = join(repoRoot, "node_modules");
const llamaPackage = JSON.parse(readFileSync(join(modules, "node-llama-cpp/package.json"), "utf8"));
const out = values.out ?? join(repoRoot, `${manifest.name}-${target}-${manifest.version}.vsix`);
const stage = join(repoRoot, ".cache/vsix", target);

execFileSync(process.execPath, [join(repoRoot, "scripts/build.mjs")], { stdio: "inherit", cwd: repoRoot });
await rm(stage, { recursive: true, force: true });
await mkdir(join(stage, "dist"), { recursive: true });

// The manifest without what only this repository uses; vsce needs no dependencies listed with --no-dependencies.
const { scripts: _scripts, devDependencies: _dev, dependencies: _deps, bin: _bin, ...extensionManifest } = manifest;
await writeFile(join(stage, "package.json"), `${JSON.stringify(extensionManifest, null, 2)}\n`);
for (const file of [".vscodeignore", "README.md", "media", "syntaxes"]) await cp(join(repoRoot, file), join(stage, file), { recursive: true });
for (const file of await readdir(join(repoRoot, "dist"))) {
  if (/\.(cjs|mjs)$/.test(file)) await cp(join(repoRoot, "dist", file), join(stage, "dist", file));
}
// Install Runner's `npm install` of another GPU's binary package runs in dist/; this makes it the project npm adds to.
await writeFile(
  join(stage, "dist/package.json"),
  `${JSON.stringify({ private: true, dependencies: { "node-llama-cpp": llamaPackage.version } }, null, 2)}\n`,
);

const stagedModules = join(stage, "dist/node_modules");
for (const dir of await runtimePackages()) await copyPackage(dir, join(stagedModules, relative(modules, dir)));
for (const name of binaryPackages()) await copyPackage(await binaryPackageDir(name), join(stagedModules, "@node-llama-cpp", name));

execFileSync(
  process.execPath,
  [
    join(modules, "@vscode/vsce/vsce"),
    "package",
    "--target", target,
    "--no-dependencies",
    "--allow-missing-repository",
    "--skip-license",
    // README links to DEVELOPERS.md of the repository, which has no public URL to rewrite them to.
    "--no-rewrite-relative-links",
    "--out", out,
  ],
  { stdio: "inherit", cwd: stage },
);
console.log(`${basename(out)}: ${(statSync(out).size / 1e6).toFixed(1)} MB (${target}, ${binaryPackages().join(", ")})`);

function currentTarget() {
  const arch = process.arch === "arm" ? "armhf" : process.arch;
  return `${process.platform}-${arch}`;
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(2);
}

/**
 * node-llama-cpp and every package its code can load, as folders under node_modules (nested ones stay nested, as
 * npm laid them out). Its own imports are read from its code; a dependency's from its package.json.
 */
async function runtimePackages() {
  const root = join(modules, "node-llama-cpp");
  const found = new Set([root]);
  const queue = (await importedPackages(join(root, "dist/index.js"))).map((name) => [name, root]);
  while (queue.length > 0) {
    const [name, from] = queue.shift();
    const dir = resolvePackage(name, from);
    if (!dir) fail(`${name}, which ${relative(modules, from)} needs, is not installed; run npm install`);
    if (found.has(dir)) continue;
    found.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const dependency of Object.keys(pkg.dependencies ?? {})) queue.push([dependency, dir]);
  }
  return [...found];
}

/** The packages a module graph imports, statically or dynamically, other than Node's own and the binary packages. */
async function importedPackages(entry) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    write: false,
    metafile: true,
    outdir: join(stage, ".probe"),
    logLevel: "silent",
  });
  const names = new Set();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const { path, external } of input.imports) {
      if (!external || path.startsWith("node:") || builtinModules.includes(path.split("/")[0])) continue;
      const name = path.startsWith("@") ? path.split("/").slice(0, 2).join("/") : path.split("/")[0];
      // Binary packages are chosen per target below; electron is imported only when running inside Electron's main process.
      if (!name.startsWith("@node-llama-cpp/") && name !== "electron") names.add(name);
    }
  }
  return [...names];
}

/** Node's lookup: the importer's own node_modules, then each parent's. */
function resolvePackage(name, from) {
  for (let dir = from; dir.startsWith(repoRoot); dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
  }
  return undefined;
}

/** The target's packages among node-llama-cpp's optional dependencies: each GPU backend's, or only the base one. */
function binaryPackages() {
  const names = Object.keys(llamaPackage.optionalDependencies ?? {})
    .map((name) => name.replace("@node-llama-cpp/", ""))
    .filter((name) => name === prefix || name.startsWith(`${prefix}-`));
  if (values.binaries === "all") return names;
  // The CPU package carries the bare prefix; on Apple silicon the only one is Metal's.
  return names.includes(prefix) ? [prefix] : names.slice(0, 1);
}

/** The installed package when it is this platform's at the right version, else the one npm downloads for the target. */
async function binaryPackageDir(name) {
  const installed = join(modules, "@node-llama-cpp", name);
  if (existsSync(join(installed, "package.json")) && JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).version === llamaPackage.version) {
    return installed;
  }
  const packs = join(repoRoot, ".cache/vsix/packs");
  const unpacked = join(packs, `${name}-${llamaPackage.version}`);
  if (!existsSync(join(unpacked, "package.json"))) {
    await mkdir(unpacked, { recursive: true });
    const tarball = execFileSync("npm", ["pack", "--silent", `@node-llama-cpp/${name}@${llamaPackage.version}`, "--pack-destination", packs], {
      encoding: "utf8",
    }).trim();
    execFileSync("tar", ["xzf", join(packs, tarball), "-C", unpacked, "--strip-components=1"]);
    await rm(join(packs, tarball));
  }
  return unpacked;
}

/**
 * A package's files that run: not its nested node_modules (resolved on their own), type declarations, source maps
 * or docs; and of node-llama-cpp not the llama.cpp sources and CMake files it builds from (`llama/` but for its
 * release facts and grammars) or its CLI's project templates.
 */
async function copyPackage(from, to) {
  const isLlama = basename(from) === "node-llama-cpp";
  await cp(from, to, {
    recursive: true,
    filter: (source) => {
      const path = relative(from, source);
      if (path === "") return true;
      if (path.split("/").includes("node_modules")) return false;
      if (/\.d\.[cm]?ts$|\.map$|(^|\/)(README|CHANGELOG|HISTORY)[^/]*\.md$/i.test(path)) return false;
      if (isLlama && (path === "templates" || path.startsWith("templates/"))) return false;
      if (isLlama && path.startsWith("llama/")) return /^llama\/[^/]+\.json$/.test(path) || /^llama\/grammars(\/|$)/.test(path);
      return true;
    },
  });
}
