import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { before, describe, it } from "node:test";
import { ConflictError, NotFoundError, UpstreamError, UserError } from "../../host/errors";
import { FILEPATH_ANNOTATION, MediaType } from "../../host/protocol/store";
import { serializeConfigFile, serializeManifest } from "../../host/store/artifact";
import { packageGguf } from "../../host/store/package";
import { defaultStoreRoot, resolveStoreRoot } from "../../host/store/root";
import { ModelStore } from "../../host/store/store";
import { StoreError } from "../../host/store/store-error";
import { fillWith, temporaryDir, writeTinyGguf } from "./store-fixtures";

const sha256 = (data: Uint8Array | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, "utf8"));
}

describe("store root", () => {
  it("takes an explicit folder, then LMR_MODELS_PATH, then the per-user data folder", () => {
    const env = { LMR_MODELS_PATH: "/srv/models", XDG_DATA_HOME: "/data" };
    assert.equal(resolveStoreRoot("/explicit", { env }), "/explicit");
    assert.equal(resolveStoreRoot(undefined, { env }), "/srv/models");
    assert.equal(resolveStoreRoot(undefined, { env: { XDG_DATA_HOME: "/data" }, platform: "linux", home: "/home/u" }), "/data/lmr/models");
  });

  it("follows each platform's convention", () => {
    assert.equal(defaultStoreRoot({ env: {}, platform: "linux", home: "/home/u" }), "/home/u/.local/share/lmr/models");
    assert.equal(defaultStoreRoot({ env: { XDG_DATA_HOME: "relative" }, platform: "linux", home: "/home/u" }), "/home/u/.local/share/lmr/models");
    assert.equal(defaultStoreRoot({ env: {}, platform: "darwin", home: "/Users/u" }), "/Users/u/Library/Application Support/lmr/models");
    assert.equal(defaultStoreRoot({ env: { LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local" }, platform: "win32", home: "C:\\Users\\u" }), "C:\\Users\\u\\AppData\\Local\\lmr\\models");
    assert.equal(defaultStoreRoot({ env: {}, platform: "win32", home: "C:\\Users\\u" }), "C:\\Users\\u\\AppData\\Local\\lmr\\models");
  });
});

describe("ModelStore", () => {
  let work: string;
  let store: ModelStore;
  let gguf: string;

  before(async () => {
    work = await temporaryDir("store");
    store = await ModelStore.open({ root: path.join(work, "models") });
    gguf = path.join(work, "tiny.gguf");
    await writeTinyGguf(gguf);
  });

  it("starts as an empty DMR store", async () => {
    assert.deepEqual(await readJson(path.join(store.root, "layout.json")), { version: "1.0.0" });
    assert.deepEqual(await readJson(path.join(store.root, "models.json")), { models: [] });
    assert.ok((await stat(path.join(store.root, "blobs", "sha256"))).isDirectory());
    assert.deepEqual(await store.list(), []);
  });

  it("finds a packaged model by name, digest, ID and ID prefix, and bundles its file as model.gguf", async () => {
    const model = await packageGguf(store, { gguf }, "tiny");
    assert.deepEqual(model.tags.map(String), ["ai/tiny:latest"]);
    assert.equal(model.id, sha256(await readFile(path.join(store.root, "manifests", "sha256", model.id.slice(7)))));

    for (const name of ["tiny", "ai/tiny", "ai/tiny:latest", "docker.io/ai/tiny:latest", model.id, model.id.slice(7, 19), `ai/tiny@${model.id}`]) {
      assert.equal((await store.get(name)).id, model.id, name);
    }
    const [weights] = await store.ggufPaths("tiny");
    assert.equal(path.basename(weights!), "model.gguf");
    assert.deepEqual(await readFile(weights!), await readFile(gguf));
    const layer = model.manifest.layers[0]!;
    assert.equal((await stat(weights!)).ino, (await stat(store.blobs.path(layer.digest))).ino, "a hard link to the blob");
    assert.equal(await store.bundlePath(model), path.dirname(weights!));

    assert.deepEqual(await readJson(path.join(store.root, "models.json")), {
      models: [{ id: model.id, tags: ["ai/tiny:latest"], files: [layer.digest, model.manifest.config.digest] }],
    });
  });

  it("says how to pull a model it does not have", async () => {
    await assert.rejects(store.get("nothere"), (error: NotFoundError) => {
      assert.ok(error instanceof NotFoundError);
      assert.equal(error.fix, "Pull it with: lmr pull ai/nothere:latest");
      return true;
    });
    assert.equal(await store.resolve("ai/nothere:v2"), undefined);
    await assert.rejects(store.get("Bad/Name"), UserError);
  });

  it("tags, moves a tag between models and untags one name of several", async () => {
    const other = path.join(work, "other.gguf");
    await writeTinyGguf(other, { seed: 2 });
    const second = await packageGguf(store, { gguf: other }, "other");
    await store.tag("tiny", "me/copy:v1");
    assert.deepEqual((await store.get("tiny")).tags.map(String), ["ai/tiny:latest", "me/copy:v1"]);

    await store.tag(second.id, "me/copy:v1");
    assert.deepEqual((await store.get("tiny")).tags.map(String), ["ai/tiny:latest"]);
    assert.equal((await store.get("me/copy:v1")).id, second.id);

    await assert.rejects(store.tag("nothere", "me/x"), NotFoundError);
    await assert.rejects(store.tag("tiny", `me/x@${second.id}`), UserError);

    const result = await store.remove("me/copy:v1");
    assert.deepEqual(result, { untagged: ["me/copy:v1"], deleted: undefined });
    assert.equal((await store.get("other")).id, second.id, "the model stays under its other name");
    await assert.rejects(store.get("me/copy:v1"), NotFoundError);
  });

  it("removes a model by ID only with force when it has several names", async () => {
    const model = await store.get("other");
    await store.tag("other", "me/again");
    await assert.rejects(store.remove(model.id), ConflictError);
    const result = await store.remove(model.id, { force: true });
    assert.deepEqual(result, { untagged: ["ai/other:latest", "me/again:latest"], deleted: model.id });
    await assert.rejects(store.get("me/again"), NotFoundError);
    await assert.rejects(stat(path.join(store.root, "bundles", "sha256", model.id.slice(7))), { code: "ENOENT" });
    await assert.rejects(stat(store.blobs.path(model.manifest.layers[0]!.digest)), { code: "ENOENT" });
  });

  it("keeps a blob another model still uses", async () => {
    const license = path.join(work, "LICENSE");
    await writeFile(license, "MIT\n");
    const plain = await store.get("tiny");
    const licensed = await packageGguf(store, { gguf, license }, "tiny-licensed");
    const shared = plain.manifest.layers[0]!.digest;
    assert.equal(licensed.manifest.layers[0]!.digest, shared);

    await store.remove("tiny");
    assert.ok(await store.blobs.has(shared), "still used by tiny-licensed");
    const [weights] = await store.ggufPaths("tiny-licensed");
    assert.deepEqual(await readFile(weights!), await readFile(gguf));

    await store.remove("tiny-licensed");
    assert.equal(await store.blobs.has(shared), false);
    assert.deepEqual(await store.list(), []);
    const left = (await readdir(path.join(store.root, "blobs", "sha256"))).filter((name) => !name.startsWith("."));
    assert.deepEqual(left, [], "no blob outlives its last model");
  });

  it("rebuilds a bundle that went missing", async () => {
    const model = await packageGguf(store, { gguf }, "tiny");
    await rm(path.join(store.root, "bundles"), { recursive: true });
    const [weights] = await store.ggufPaths(model);
    assert.deepEqual(await readFile(weights!), await readFile(gguf));
  });

  it("records each model's configuration, shared by its names and removed with it", async () => {
    await store.tag("tiny", "me/alias");
    assert.deepEqual(await store.configuration("tiny"), {});
    await store.configure("tiny", { contextSize: 8192, keepAlive: "5m", runtimeFlags: ["--threads", "2"], vllm: { gpuMemoryUtilization: 0.8 } });
    assert.deepEqual(await store.configure("me/alias", { keepAlive: null, vllm: { maxModelLen: 4096 } }), {
      contextSize: 8192,
      runtimeFlags: ["--threads", "2"],
      vllm: { gpuMemoryUtilization: 0.8, maxModelLen: 4096 },
    });
    assert.equal((await store.configuration("tiny")).contextSize, 8192);

    for (const patch of [{ contextSize: -1 }, { keepAlive: "5 minutes" }, { vllm: { gpuMemoryUtilization: 2 } }, { threads: 4 }]) {
      await assert.rejects(store.configure("tiny", patch), (error: UserError) => error instanceof UserError && error.code === "invalid_configuration");
    }
    await assert.rejects(store.configure("nothere", { contextSize: 1 }), NotFoundError);

    const { id } = await store.get("tiny");
    await store.remove(id, { force: true });
    assert.deepEqual(await readJson(path.join(store.root, "configurations.json")), {});
  });

  it("sees at once what another process or an editor changes in the store", async () => {
    await packageGguf(store, { gguf }, "shared");
    assert.deepEqual(await store.configuration("shared"), {});
    const other = await ModelStore.open({ root: store.root });

    await other.tag("shared", "me/shared-alias");
    await other.configure("shared", { contextSize: 1024 });
    assert.equal((await store.get("me/shared-alias")).id, (await store.get("shared")).id);
    assert.equal((await store.configuration("me/shared-alias")).contextSize, 1024);

    const index = path.join(store.root, "models.json");
    const good = await readFile(index);
    // Written in place, as an editor saves: same inode, another size.
    await writeFile(index, "{ not json");
    await assert.rejects(store.get("shared"), (error: StoreError) => error instanceof StoreError && error.code === "store_index_damaged");
    await writeFile(index, good);
    await other.remove((await store.get("shared")).id, { force: true });
    await assert.rejects(store.get("shared"), NotFoundError);
    await assert.rejects(store.get("me/shared-alias"), NotFoundError);
  });
});

describe("ModelStore blobs and commits", () => {
  let store: ModelStore;
  before(async () => {
    store = await ModelStore.open({ root: path.join(await temporaryDir("blobs"), "models") });
  });

  const weights = Buffer.from("GGUF-weights-".repeat(1000));
  const config = serializeConfigFile({ format: "gguf", quantization: "Q8_0" }, new Date("2025-01-01T00:00:00Z"), [sha256(weights)]);
  const manifest = serializeManifest(MediaType.modelConfigV01, { digest: sha256(config) as `sha256:${string}`, size: Buffer.byteLength(config) }, [
    { digest: sha256(weights) as `sha256:${string}`, size: weights.length, mediaType: MediaType.gguf },
  ]);

  it("throws away bytes that do not match their digest", async () => {
    const wrong = sha256("something else");
    await assert.rejects(store.blobs.write(wrong, fillWith(weights)), (error: UpstreamError) => {
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.code, "digest_mismatch");
      return true;
    });
    assert.equal(await store.blobs.has(wrong), false);
    assert.equal(await store.blobs.incompleteSize(wrong), 0, "the partial file is gone too");
  });

  it("shows no model while a blob is interrupted, and resumes it", async () => {
    const digest = sha256(weights);
    const half = weights.length / 2;
    await assert.rejects(store.blobs.write(digest, fillWith(weights.subarray(0, half), new Error("connection reset"))), /connection reset/);
    assert.equal(await store.blobs.has(digest), false);
    assert.equal(await store.blobs.incompleteSize(digest), half);
    assert.ok((await stat(`${store.blobs.path(digest)}.incomplete`)).isFile(), "DMR's name for a partial download");

    await assert.rejects(store.commitModel("partial", manifest, config), (error: UserError) => error.code === "missing_blob");
    assert.deepEqual(await store.list(), []);
    await assert.rejects(store.get("partial"), NotFoundError);

    const written = await store.blobs.write(digest, fillWith(weights.subarray(half)));
    assert.deepEqual(written, { digest, size: weights.length });
    assert.equal(await store.blobs.incompleteSize(digest), 0);

    const model = await store.commitModel(["partial", "me/partial:v1"], manifest, config);
    assert.equal(model.id, sha256(manifest));
    assert.deepEqual(model.tags.map(String), ["ai/partial:latest", "me/partial:v1"]);
    assert.equal(model.size, weights.length);
    assert.deepEqual(model.created, new Date("2025-01-01T00:00:00Z"));
    assert.deepEqual(await readFile((await store.ggufPaths("partial"))[0]!), weights);
  });

  it("refuses a config that is not the manifest's", async () => {
    await assert.rejects(store.commitModel("x", manifest, `${config} `), (error: UpstreamError) => error.code === "digest_mismatch");
  });

  it("refuses layer paths that leave the bundle, before anything becomes visible", async () => {
    const file = Buffer.from("{}");
    await store.blobs.write(sha256(file), fillWith(file));
    for (const filepath of ["../escape.json", "/etc/passwd", "a/../../b", "C:\\x", "a\\..\\b", "ok/\u0000", "", "./x", "x/."]) {
      const evil = serializeManifest(MediaType.modelConfigV02, { digest: sha256(config) as `sha256:${string}`, size: Buffer.byteLength(config) }, [
        { digest: sha256(weights) as `sha256:${string}`, size: weights.length, mediaType: MediaType.safetensors, annotations: { [FILEPATH_ANNOTATION]: "model.safetensors" } },
        { digest: sha256(file) as `sha256:${string}`, size: file.length, mediaType: MediaType.modelFile, annotations: { [FILEPATH_ANNOTATION]: filepath } },
      ]);
      await assert.rejects(store.commitModel("evil", evil), (error: UpstreamError) => error.code === "unsafe_file_path", JSON.stringify(filepath));
    }
    await assert.rejects(store.get("evil"), NotFoundError);
    await assert.rejects(stat(path.join(store.root, "..", "escape.json")), { code: "ENOENT" });
  });

  it("refuses an artifact that is not a model", async () => {
    const image = manifest.replace(MediaType.modelConfigV01, "application/vnd.oci.image.config.v1+json");
    await assert.rejects(store.commitModel("image", image, config), (error: UpstreamError) => error.code === "not_a_model");
    await assert.rejects(store.commitModel("junk", "{"), (error: UpstreamError) => error.code === "invalid_manifest");
  });

  it("reads an index that Docker Model Runner wrote", async () => {
    const { id } = await store.get("partial");
    const index = { models: [{ id, tags: ["index.docker.io/ai/partial:latest", "huggingface.co/org/repo:Q8_0", "not a tag"], files: [sha256(weights), sha256(config)] }, { id: sha256("gone"), tags: null, files: null }] };
    await writeFile(path.join(store.root, "models.json"), JSON.stringify(index));
    await writeFile(path.join(store.root, "manifests", "sha256", sha256("gone").slice(7)), manifest);
    assert.equal((await store.get("ai/partial")).id, id);
    assert.equal((await store.get("hf.co/org/repo:Q8_0")).id, id);
    assert.deepEqual((await store.get(id)).tags.map(String), ["ai/partial:latest", "hf.co/org/repo:Q8_0"]);
    assert.equal((await store.list()).length, 2);
  });

  it("counts disk usage once per file, interrupted downloads apart", async () => {
    const pending = Buffer.from("pending");
    await assert.rejects(store.blobs.write(sha256("pending-full"), fillWith(pending, new Error("cut"))));
    const usage = await store.diskUsage();
    const sizes = async (dir: string, keep: (name: string) => boolean) => {
      let total = 0;
      for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
        if (entry.isFile() && keep(entry.name)) total += (await stat(path.join(entry.parentPath, entry.name))).size;
      }
      return total;
    };
    const blobBytes = await sizes(path.join(store.root, "blobs", "sha256"), (name) => !name.endsWith(".incomplete"));
    const runtimeConfigs = await sizes(path.join(store.root, "bundles"), (name) => name === "config.json");
    assert.ok(runtimeConfigs > 0);
    assert.deepEqual(usage, { models: blobBytes + runtimeConfigs, incomplete: pending.length, total: blobBytes + runtimeConfigs + pending.length });
  });

  it("keeps a store's files where it was opened", async () => {
    const outside = path.dirname(store.root);
    await mkdir(outside, { recursive: true });
    assert.deepEqual((await readdir(outside)).sort(), ["models"]);
  });
});
