import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AuthenticationError, NotFoundError } from "../../host/errors";
import { pullModel } from "../../host/registry/pull";
import { parseDigest } from "../../host/store/digest";
import { ModelStore } from "../../host/store/store";
import { startFakeHub, type FakeHub } from "../fixtures/huggingface";
import { digestOf, writeTestGguf } from "../fixtures/registry-artifacts";

const ggufType = "application/vnd.docker.ai.gguf.v3";
const mmprojType = "application/vnd.docker.ai.mmproj";

describe("pulling from Hugging Face (hf.co/ORG/REPO[:QUANT])", () => {
  let dir: string;
  let root: string;
  let hub: FakeHub;
  let env: NodeJS.ProcessEnv;
  let q4: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lmr-hf-"));
    root = join(dir, "hub");
    const gguf = join(root, "bartowski", "smol-gguf");
    await mkdir(join(gguf, "Q8_0"), { recursive: true });
    // llama.cpp's file types: 15 is Q4_K_M, 7 is Q8_0, 1 is F16.
    // Over 4 MiB, so it downloads (and resumes) on the download thread; the smaller files come whole.
    await writeTestGguf(join(gguf, "Smol-Q4_K_M.gguf"), { weightBytes: 5 * 1024 * 1024, fileType: 15 });
    await writeTestGguf(join(gguf, "Q8_0", "Smol-Q8_0-00001-of-00002.gguf"), { weightBytes: 300 * 1024, fileType: 7 });
    await writeTestGguf(join(gguf, "Q8_0", "Smol-Q8_0-00002-of-00002.gguf"), { weightBytes: 200 * 1024, fileType: 7 });
    await writeTestGguf(join(gguf, "mmproj-Smol-F16.gguf"), { weightBytes: 64 * 1024, fileType: 1 });
    await writeFile(join(gguf, "README.md"), "# Smol GGUF\n");
    q4 = await readFile(join(gguf, "Smol-Q4_K_M.gguf"));

    const safetensors = join(root, "org", "smol-vllm");
    await mkdir(safetensors, { recursive: true });
    await writeFile(join(safetensors, "config.json"), JSON.stringify({ architectures: ["LlamaForCausalLM"], model_type: "llama" }));
    await writeFile(join(safetensors, "tokenizer.json"), JSON.stringify({ version: "1.0" }));
    await writeFile(join(safetensors, "model.safetensors"), safetensorsFile());

    hub = await startFakeHub({ root, pageSize: 3 });
    env = { ...process.env, HF_ENDPOINT: hub.url, HF_TOKEN: "", LMR_HOME: join(dir, "lmr") };
  });

  after(async () => {
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("pulls Q4_K_M and its projector when no quantization is named, as a model artifact", async () => {
    const store = await ModelStore.open({ root: join(dir, "default") });
    const listings = () => hub.requests.filter((request) => request === "GET /api/models/bartowski/smol-gguf/tree/main").length;
    const listedBefore = listings();
    const model = await pullModel(store, "hf.co/bartowski/smol-gguf", { env });
    assert.ok(listings() - listedBefore > 1, "the file list was read page by page");
    assert.deepEqual(model.manifest.layers.map((layer) => layer.mediaType), [ggufType, mmprojType]);
    assert.equal(model.manifest.layers[0]!.digest, digestOf(q4));
    assert.deepEqual(await readFile(store.blobs.path(digestOf(q4))), q4);
    assert.equal(model.config.config.format, "gguf");
    assert.equal(model.config.config.quantization, "Q4_K_M");
    assert.equal(model.config.config.architecture, "llama");
    assert.deepEqual(model.tags.map(String), ["hf.co/bartowski/smol-gguf:latest"]);
  });

  it("pulls every shard of the quantization the tag names, in order, whatever its case", async () => {
    const store = await ModelStore.open({ root: join(dir, "shards") });
    const model = await pullModel(store, "hf.co/bartowski/smol-gguf:q8_0", { env });
    const shards = model.manifest.layers.filter((layer) => layer.mediaType === ggufType);
    const expected = await Promise.all(
      ["Smol-Q8_0-00001-of-00002.gguf", "Smol-Q8_0-00002-of-00002.gguf"].map(async (name) =>
        digestOf(await readFile(join(root, "bartowski", "smol-gguf", "Q8_0", name)))),
    );
    assert.deepEqual(shards.map((layer) => layer.digest), expected);
    assert.equal(model.config.config.quantization, "Q8_0");
  });

  it("resumes a download from the partial file, asking only for the rest", async () => {
    const store = await ModelStore.open({ root: join(dir, "resume") });
    const half = Math.floor(q4.length / 2);
    await writeFile(store.layout.incompleteBlob(parseDigest(digestOf(q4))), q4.subarray(0, half));
    const served = hub.bytesServed;
    await pullModel(store, "hf.co/bartowski/smol-gguf:Q4_K_M", { env });
    assert.ok(hub.requests.includes(`GET /cdn/bartowski/smol-gguf/Smol-Q4_K_M.gguf bytes=${half}-`));
    assert.ok(hub.bytesServed - served < q4.length - half + 512 * 1024);
    assert.deepEqual(await readFile(store.blobs.path(digestOf(q4))), q4);
  });

  it("resumes correctly from a server that ignores Range", async () => {
    const stubborn = await startFakeHub({ root, ignoreRange: true });
    try {
      const store = await ModelStore.open({ root: join(dir, "ignore-range") });
      await writeFile(store.layout.incompleteBlob(parseDigest(digestOf(q4))), q4.subarray(0, 1000));
      await pullModel(store, "hf.co/bartowski/smol-gguf:Q4_K_M", { env: { ...env, HF_ENDPOINT: stubborn.url } });
      assert.deepEqual(await readFile(store.blobs.path(digestOf(q4))), q4);
    } finally {
      await stubborn.stop();
    }
  });

  it("pulls a safetensors repository whole, one layer per file named by its path", async () => {
    const store = await ModelStore.open({ root: join(dir, "safetensors") });
    const model = await pullModel(store, "hf.co/org/smol-vllm", { env });
    assert.equal(model.manifest.config.mediaType, "application/vnd.docker.ai.model.config.v0.2+json");
    const paths = model.manifest.layers.map((layer) => layer.annotations?.["org.cncf.model.filepath"]);
    assert.deepEqual(paths.sort(), ["config.json", "model.safetensors", "tokenizer.json"]);
    assert.equal(model.config.config.format, "safetensors");
  });

  it("says which quantizations exist when the tag names none of them", async () => {
    const store = await ModelStore.open({ root: join(dir, "unknown") });
    await assert.rejects(pullModel(store, "hf.co/bartowski/smol-gguf:Q2_K", { env }), (error) => {
      assert.ok(error instanceof NotFoundError);
      assert.match(error.fix ?? "", /hf\.co\/bartowski\/smol-gguf:Q4_K_M/);
      return true;
    });
    await assert.rejects(pullModel(store, "hf.co/bartowski/no-such-repo", { env }), NotFoundError);
    assert.deepEqual(await store.list(), []);
  });

  it("sends HF_TOKEN, and asks for it when a repository needs one", async () => {
    const gated = await startFakeHub({ root, token: "hf_secret" });
    try {
      const store = await ModelStore.open({ root: join(dir, "gated") });
      await assert.rejects(pullModel(store, "hf.co/bartowski/smol-gguf", { env: { ...env, HF_ENDPOINT: gated.url } }), (error) => {
        assert.ok(error instanceof AuthenticationError);
        assert.match(error.fix ?? "", /HF_TOKEN/);
        return true;
      });
      const model = await pullModel(store, "hf.co/bartowski/smol-gguf", { env: { ...env, HF_ENDPOINT: gated.url, HF_TOKEN: "hf_secret" } });
      assert.equal(model.config.config.quantization, "Q4_K_M");
    } finally {
      await gated.stop();
    }
  });
});

/** A one-tensor safetensors file: an 8-byte little-endian header length, the JSON header, the data. */
function safetensorsFile(): Buffer {
  const header = Buffer.from(JSON.stringify({ "model.embed.weight": { dtype: "F16", shape: [4, 4], data_offsets: [0, 32] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, header, Buffer.alloc(32)]);
}
