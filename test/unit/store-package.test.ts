import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { before, describe, it } from "node:test";
import { UserError } from "../../host/errors";
import { packageGguf, packageSafetensors } from "../../host/store/package";
import { ModelStore } from "../../host/store/store";
import { temporaryDir, writeSafetensors, writeShardedGguf, writeTinyGguf } from "./store-fixtures";

const sha256 = (data: Uint8Array | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** The artifact as a registry would receive it: the manifest's and the config blob's JSON as stored. */
async function artifact(store: ModelStore, id: string): Promise<{ manifest: any; config: any }> {
  const manifest = JSON.parse(await readFile(path.join(store.root, "manifests", "sha256", id.slice(7)), "utf8"));
  const config = JSON.parse(await readFile(store.blobs.path(manifest.config.digest), "utf8"));
  return { manifest, config };
}

describe("packageGguf", () => {
  let work: string;
  let store: ModelStore;
  before(async () => {
    work = await temporaryDir("package");
    store = await ModelStore.open({ root: path.join(work, "models") });
  });

  it("builds DMR's artifact: OCI manifest, config v0.1, one GGUF layer, config JSON from the header", async () => {
    const gguf = path.join(work, "tiny.gguf");
    await writeTinyGguf(gguf);
    const bytes = await readFile(gguf);
    const model = await packageGguf(store, { gguf, contextSize: 4096 }, "localhost:5000/team/tiny:Q8_0");
    const { manifest, config } = await artifact(store, model.id);

    assert.deepEqual(Object.keys(manifest), ["schemaVersion", "mediaType", "config", "layers"]);
    assert.equal(manifest.schemaVersion, 2);
    assert.equal(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json");
    assert.equal(manifest.config.mediaType, "application/vnd.docker.ai.model.config.v0.1+json");
    assert.deepEqual(manifest.layers, [{ mediaType: "application/vnd.docker.ai.gguf.v3", size: bytes.length, digest: sha256(bytes) }]);
    const configBytes = await readFile(store.blobs.path(manifest.config.digest));
    assert.equal(manifest.config.size, configBytes.length);
    assert.equal(manifest.config.digest, sha256(configBytes));

    assert.deepEqual(Object.keys(config), ["config", "descriptor", "rootfs"]);
    assert.deepEqual(config.rootfs, { type: "rootfs", diff_ids: [sha256(bytes)] });
    assert.match(config.descriptor.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, "RFC 3339");
    const { gguf: metadata, ...fields } = config.config;
    assert.deepEqual(fields, {
      format: "gguf",
      quantization: "Q8_0",
      parameters: "32.00",
      architecture: "llama",
      size: `${bytes.length} B`,
      context_size: 4096,
    });
    assert.deepEqual(metadata, {
      "general.architecture": "llama",
      "general.name": "tiny-1",
      "general.file_type": "7",
      "llama.context_length": "2048",
      "llama.attention.layer_norm_rms_epsilon": "0.000010",
      "llama.rope.freq_base": "10000.500000",
      "tokenizer.ggml.model": "llama",
      "tokenizer.ggml.tokens": "t0, t1, t2, t3, t4, t5, t6, t7",
      "tokenizer.ggml.add_bos_token": "true",
    });
    assert.deepEqual(model.tags.map(String), ["localhost:5000/team/tiny:Q8_0"]);
  });

  it("drops metadata arrays over 50 entries and leaves context_size out unless given", async () => {
    const gguf = path.join(work, "big-vocab.gguf");
    await writeTinyGguf(gguf, { vocabulary: 51, seed: 3 });
    const model = await packageGguf(store, { gguf }, "big-vocab");
    const { config } = await artifact(store, model.id);
    assert.equal(config.config["gguf"]["tokenizer.ggml.tokens"], undefined);
    assert.equal(config.config["gguf"]["tokenizer.ggml.model"], "llama");
    assert.equal("context_size" in config.config, false);
  });

  it("adds license, projector and chat template layers and bundles them under llama.cpp's names", async () => {
    const gguf = path.join(work, "vision.gguf");
    const mmproj = path.join(work, "mmproj-vision-f16.gguf");
    const license = path.join(work, "LICENSE.txt");
    const chatTemplate = path.join(work, "chat.jinja");
    await writeTinyGguf(gguf, { seed: 4 });
    await writeTinyGguf(mmproj, { seed: 5 });
    await writeFile(license, "Apache-2.0\n");
    await writeFile(chatTemplate, "{% for m in messages %}{{ m.content }}{% endfor %}");
    const model = await packageGguf(store, { gguf, mmproj, license, chatTemplate }, "vision");
    const { manifest, config } = await artifact(store, model.id);
    assert.deepEqual(
      manifest.layers.map((layer: { mediaType: string }) => layer.mediaType),
      ["application/vnd.docker.ai.gguf.v3", "application/vnd.docker.ai.license", "application/vnd.docker.ai.mmproj", "application/vnd.docker.ai.chat.template.jinja"],
    );
    assert.deepEqual(config.rootfs.diff_ids, manifest.layers.map((layer: { digest: string }) => layer.digest));

    const bundle = await store.bundle(model);
    assert.deepEqual((await readdir(bundle.dir)).sort(), ["LICENSE", "mmproj.gguf", "model.gguf", "template.jinja"]);
    assert.deepEqual(await readFile(bundle.mmproj!), await readFile(mmproj));
    assert.equal(await readFile(bundle.chatTemplate!, "utf8"), await readFile(chatTemplate, "utf8"));
    assert.deepEqual(bundle.licenses, [path.join(bundle.dir, "LICENSE")]);
    assert.deepEqual(JSON.parse(await readFile(bundle.runtimeConfig, "utf8")), config.config, "DMR's runtime config.json");
  });

  it("finds every shard from any one of them and keeps their order", async () => {
    const shards = await writeShardedGguf(path.join(work, "split"), "Big-Model-Q8_0", 3);
    const model = await packageGguf(store, { gguf: shards[1]! }, "big");
    const { manifest, config } = await artifact(store, model.id);
    const expected = await Promise.all(shards.map(async (shard) => sha256(await readFile(shard))));
    assert.deepEqual(manifest.layers.map((layer: { digest: string }) => layer.digest), expected);
    assert.ok(manifest.layers.every((layer: { mediaType: string }) => layer.mediaType === "application/vnd.docker.ai.gguf.v3"));
    assert.equal(config.config.parameters, "96.00", "the tensors of all shards count");

    const paths = await store.ggufPaths("big");
    assert.deepEqual(paths.map((file) => path.basename(file)), ["model-00001-of-00003.gguf", "model-00002-of-00003.gguf", "model-00003-of-00003.gguf"]);
    for (const [index, file] of paths.entries()) assert.deepEqual(await readFile(file), await readFile(shards[index]!));
  });

  it("names the shard that is missing and stores nothing", async () => {
    const dir = path.join(work, "split-missing");
    const [first] = await writeShardedGguf(dir, "gap", 3);
    await rm(path.join(dir, "gap-00002-of-00003.gguf"));
    const before = (await store.list()).length;
    await assert.rejects(packageGguf(store, { gguf: first! }, "gap"), (error: UserError) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /one of 3 shards, but gap-00002-of-00003\.gguf is missing/);
      return true;
    });
    assert.equal((await store.list()).length, before);
  });

  it("gives the same files and time the same model ID, and refuses a bad context size", async () => {
    const gguf = path.join(work, "same.gguf");
    await writeTinyGguf(gguf, { seed: 9 });
    const created = new Date("2025-06-01T12:00:00Z");
    const first = await packageGguf(store, { gguf, created }, "same:one");
    const second = await packageGguf(store, { gguf, created }, "same:two");
    assert.equal(second.id, first.id);
    assert.deepEqual(second.tags.map(String), ["ai/same:one", "ai/same:two"]);
    for (const contextSize of [0, -5, 1.5, 2 ** 31]) {
      await assert.rejects(packageGguf(store, { gguf, contextSize }, "same"), (error: UserError) => error.code === "invalid_context_size");
    }
    await assert.rejects(packageGguf(store, { gguf: path.join(work, "absent.gguf") }, "absent"), /No GGUF file/);
  });
});

describe("packageSafetensors", () => {
  let work: string;
  let store: ModelStore;
  before(async () => {
    work = await temporaryDir("package-st");
    store = await ModelStore.open({ root: path.join(work, "models") });
  });

  it("keeps one layer per file under config v0.2, named by org.cncf.model.filepath, and bundles the tree", async () => {
    const dir = path.join(work, "qwen");
    await writeFile(path.join(await mkdirp(dir), "config.json"), JSON.stringify({ architectures: ["Qwen2ForCausalLM"], model_type: "qwen2", max_position_embeddings: 32768 }));
    await writeFile(path.join(dir, "tokenizer.json"), "{}");
    await writeFile(path.join(dir, "tokenizer_config.json"), "{}");
    await writeFile(path.join(dir, "LICENSE"), "Apache-2.0\n");
    await writeFile(path.join(dir, "weights.bin"), "pickle");
    await writeFile(path.join(dir, ".gitattributes"), "*.safetensors filter=lfs");
    await writeSafetensors(path.join(dir, "model-00001-of-00002.safetensors"), { "a.weight": { dtype: "BF16", shape: [4, 8] } }, { format: "pt" });
    await writeSafetensors(path.join(dir, "model-00002-of-00002.safetensors"), { "b.weight": { dtype: "BF16", shape: [8] } });
    await writeFile(path.join(await mkdirp(path.join(dir, "tokenizer")), "vocab.txt"), "a\nb\n");

    const model = await packageSafetensors(store, { dir }, "me/qwen-vllm");
    const { manifest, config } = await artifact(store, model.id);
    assert.equal(manifest.config.mediaType, "application/vnd.docker.ai.model.config.v0.2+json");
    const layers = manifest.layers.map((layer: { mediaType: string; annotations: Record<string, string> }) => [layer.annotations["org.cncf.model.filepath"], layer.mediaType]);
    assert.deepEqual(layers, [
      ["LICENSE", "application/vnd.docker.ai.license"],
      ["config.json", "application/vnd.docker.ai.model.file"],
      ["model-00001-of-00002.safetensors", "application/vnd.docker.ai.safetensors"],
      ["model-00002-of-00002.safetensors", "application/vnd.docker.ai.safetensors"],
      ["tokenizer.json", "application/vnd.docker.ai.model.file"],
      ["tokenizer/vocab.txt", "application/vnd.docker.ai.model.file"],
      ["tokenizer_config.json", "application/vnd.docker.ai.model.file"],
    ]);
    const { safetensors, ...fields } = config.config;
    const weightBytes = (await stat(path.join(dir, "model-00001-of-00002.safetensors"))).size + (await stat(path.join(dir, "model-00002-of-00002.safetensors"))).size;
    assert.deepEqual(fields, {
      format: "safetensors",
      quantization: "BF16",
      parameters: "40.00",
      architecture: "Qwen2ForCausalLM",
      size: `${weightBytes} B`,
      context_size: 32768,
    });
    assert.deepEqual(safetensors, { format: "pt", tensor_count: "2" });

    const bundle = await store.bundle("me/qwen-vllm");
    const tree = (await readdir(bundle.dir, { recursive: true })).sort();
    assert.deepEqual(tree, ["LICENSE", "config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "tokenizer", "tokenizer.json", "tokenizer/vocab.txt", "tokenizer_config.json"]);
    assert.equal(bundle.safetensors.length, 2);
    assert.equal(await readFile(path.join(bundle.dir, "tokenizer", "vocab.txt"), "utf8"), "a\nb\n");
  });

  it("refuses a directory without safetensors weights", async () => {
    const dir = await mkdirp(path.join(work, "empty"));
    await writeFile(path.join(dir, "config.json"), "{}");
    await assert.rejects(packageSafetensors(store, { dir }, "empty"), (error: UserError) => error.code === "no_weights");
    await assert.rejects(packageSafetensors(store, { dir: path.join(work, "nowhere") }, "nowhere"), UserError);
  });
});

async function mkdirp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
