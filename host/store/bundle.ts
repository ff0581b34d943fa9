/**
 * A model's bundle: a folder of hard links to its blobs under the file names engines expect
 * (`model.gguf`, `model-00001-of-00003.gguf`, `mmproj.gguf`, `template.jinja`, a safetensors tree by
 * `org.cncf.model.filepath`), beside DMR's runtime `config.json`. Links cost no space and give an
 * engine a real path. A bundle is built in a temporary folder and renamed into place, so it is whole
 * or absent.
 */
import { randomBytes } from "node:crypto";
import { copyFile, link, mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { UpstreamError } from "../errors";
import { FILEPATH_ANNOTATION, MediaType, type ModelConfigFile, type OciDescriptor, type OciManifest } from "../protocol/store";
import { type Digest, parseDigest } from "./digest";
import { errorCode } from "./fs-error";
import type { StoreLayout } from "./layout";

/** Files of one model, as absolute paths inside its bundle. */
export interface ModelBundle {
  /** The folder an engine is pointed at: `vllm serve <dir>`; the GGUF files lie directly in it. */
  dir: string;
  /** GGUF shards in manifest order; llama.cpp is given the first and finds the others by name. */
  gguf: string[];
  mmproj: string | undefined;
  chatTemplate: string | undefined;
  licenses: string[];
  safetensors: string[];
  /** DMR's runtime config (the `config` object of the model's config blob). */
  runtimeConfig: string;
}

export interface BundleFile {
  /** Relative, `/`-separated, checked to stay inside the bundle. */
  name: string;
  digest: Digest;
  mediaType: string;
}

const MODEL_SUBDIR = "model";
const RUNTIME_CONFIG = "config.json";

export function bundleFiles(manifest: OciManifest): BundleFile[] {
  // Paths a layer names for itself come first, so the fixed names below can step around them.
  const named = new Map(
    manifest.layers.flatMap((layer) => {
      const filepath = layer.annotations?.[FILEPATH_ANNOTATION];
      return layer.mediaType !== MediaType.gguf && filepath !== undefined ? [[layer, safeRelativePath(filepath)] as const] : [];
    }),
  );
  const taken = new Set([...named.values()].map((name) => name.toLowerCase()));
  const files: BundleFile[] = [];
  const add = (name: string, layer: OciDescriptor) => {
    if (files.some((file) => file.name.toLowerCase() === name.toLowerCase())) {
      throw new UpstreamError(`The model artifact names the file "${name}" twice.`, {
        fix: "Package the model again; each layer needs its own file path.",
        code: "invalid_manifest",
      });
    }
    files.push({ name, digest: parseDigest(layer.digest), mediaType: layer.mediaType });
  };
  const free = (base: string) => {
    let name = base;
    for (let suffix = 2; taken.has(name.toLowerCase()); suffix += 1) name = `${base}-${suffix}`;
    taken.add(name.toLowerCase());
    return name;
  };
  const ofType = (mediaType: string) => manifest.layers.filter((layer) => layer.mediaType === mediaType && !named.has(layer));
  const shardName = (layers: OciDescriptor[], layer: OciDescriptor, extension: string) =>
    layers.length === 1 ? `model.${extension}` : `model-${pad(layers.indexOf(layer) + 1)}-of-${pad(layers.length)}.${extension}`;

  const gguf = ofType(MediaType.gguf);
  const safetensors = ofType(MediaType.safetensors);
  const [mmproj] = ofType(MediaType.mmproj);
  const [template] = ofType(MediaType.chatTemplate);
  for (const layer of manifest.layers) {
    const name = named.get(layer);
    if (name !== undefined) add(name, layer);
    else if (layer.mediaType === MediaType.gguf) add(shardName(gguf, layer, "gguf"), layer);
    else if (layer.mediaType === MediaType.safetensors) add(shardName(safetensors, layer, "safetensors"), layer);
    else if (layer === mmproj) add("mmproj.gguf", layer);
    else if (layer === template) add("template.jinja", layer);
    else if (layer.mediaType === MediaType.license) add(free("LICENSE"), layer);
  }
  return files;
}

function describeBundle(bundleDir: string, files: BundleFile[]): ModelBundle {
  const dir = path.join(bundleDir, MODEL_SUBDIR);
  const at = (file: BundleFile) => path.join(dir, ...file.name.split("/"));
  const pathsOf = (mediaType: string) => files.filter((file) => file.mediaType === mediaType).map(at);
  return {
    dir,
    gguf: pathsOf(MediaType.gguf),
    mmproj: pathsOf(MediaType.mmproj)[0],
    chatTemplate: pathsOf(MediaType.chatTemplate)[0],
    licenses: pathsOf(MediaType.license),
    safetensors: pathsOf(MediaType.safetensors),
    runtimeConfig: path.join(bundleDir, RUNTIME_CONFIG),
  };
}

/** Returns the model's bundle, building it first when it is missing or lacks a file (DMR names some differently). */
export async function ensureBundle(layout: StoreLayout, id: Digest, manifest: OciManifest, config: ModelConfigFile): Promise<ModelBundle> {
  const bundleDir = layout.bundle(id);
  const files = bundleFiles(manifest);
  const bundle = describeBundle(bundleDir, files);
  const expected = [bundle.runtimeConfig, ...files.map((file) => path.join(bundle.dir, ...file.name.split("/")))];
  if ((await Promise.all(expected.map(exists))).every(Boolean)) return bundle;

  const building = path.join(layout.bundlesDir, `.build-${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    for (const file of files) {
      const target = path.join(building, MODEL_SUBDIR, ...file.name.split("/"));
      await mkdir(path.dirname(target), { recursive: true });
      await linkOrCopy(layout.blob(file.digest), target);
    }
    await mkdir(path.join(building, MODEL_SUBDIR), { recursive: true });
    await writeFile(path.join(building, RUNTIME_CONFIG), JSON.stringify(config.config));
    // An incomplete bundle (or one DMR laid out) is swapped out whole; engines that hold its files
    // open keep reading them through their own links.
    const previous = `${building}.previous`;
    await rename(bundleDir, previous).catch((error: unknown) => {
      if (errorCode(error) !== "ENOENT") throw error;
    });
    try {
      await rename(building, bundleDir);
    } catch (error) {
      // Another process put its (identical) bundle in place first.
      if (!(await exists(bundleDir))) throw error;
    }
    await rm(previous, { recursive: true, force: true });
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return bundle;
}

export async function removeBundle(layout: StoreLayout, id: Digest): Promise<void> {
  await rm(layout.bundle(id), { recursive: true, force: true });
}

/**
 * Checks a file path taken from a manifest annotation: relative, `/`-separated, no `.` or `..`
 * component, nothing Windows reads as a drive, stream or device separator, so it stays in the bundle.
 */
export function safeRelativePath(filepath: string): string {
  const components = filepath.split("/");
  const unsafe =
    filepath.length === 0 ||
    filepath.length > 1024 ||
    /[\\\0:*?"<>|]/.test(filepath) ||
    [...filepath].some((character) => character.charCodeAt(0) < 0x20) ||
    components.some((component) => component === "" || component === "." || component === ".." || component.endsWith(".") || component.endsWith(" "));
  if (unsafe) {
    throw new UpstreamError(`The model artifact names an unsafe file path ${JSON.stringify(filepath)}.`, {
      fix: "Only relative paths inside the model folder are allowed; package the model again from its directory.",
      code: "unsafe_file_path",
    });
  }
  return filepath;
}

async function linkOrCopy(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch (error) {
    // File systems without hard links (FAT, some network shares) get a copy.
    if (!["EXDEV", "EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK"].includes(errorCode(error) ?? "")) throw error;
    await copyFile(source, target);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
}

function pad(value: number): string {
  return String(value).padStart(5, "0");
}
