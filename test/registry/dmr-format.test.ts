import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pullModel } from "../../host/registry/pull";
import { pushModel } from "../../host/registry/push";
import { packageGguf } from "../../host/store/package";
import { ModelStore } from "../../host/store/store";
import { digestOf, handBuiltArtifact, writeTestGguf } from "../fixtures/registry-artifacts";
import { startRegistry, type TestRegistry } from "../fixtures/registry";

const ociManifest = "application/vnd.oci.image.manifest.v1+json";

describe("Docker Model Runner's artifact format on the wire (compat-reference §2)", () => {
  let registry: TestRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let gguf: Buffer;

  before(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), "lmr-dmr-format-"));
    env = { ...process.env, LMR_HOME: join(dir, "lmr"), DOCKER_CONFIG: join(dir, "docker") };
    await writeTestGguf(join(dir, "coder-Q8_0.gguf"), { weightBytes: 512 * 1024, fileType: 7 });
    gguf = await readFile(join(dir, "coder-Q8_0.gguf"));
  });

  after(async () => {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("pulls an artifact built by hand as DMR builds it and pushed with plain HTTP calls", async () => {
    const template = Buffer.from("{% for m in messages %}{{ m.content }}{% endfor %}");
    const license = Buffer.from("MIT\n");
    const artifact = handBuiltArtifact([
      { mediaType: "application/vnd.docker.ai.gguf.v3", bytes: gguf },
      { mediaType: "application/vnd.docker.ai.license", bytes: license },
      { mediaType: "application/vnd.docker.ai.chat.template.jinja", bytes: template },
    ]);
    for (const [digest, bytes] of artifact.blobs) {
      // The registry ignores a one-request POST ?digest= upload, so: POST, then PUT the bytes.
      const started = await fetch(`${registry.url}/v2/dmr/handmade/blobs/uploads/`, { method: "POST" });
      assert.equal(started.status, 202);
      const location = new URL(started.headers.get("location")!, registry.url);
      location.searchParams.set("digest", digest);
      const put = await fetch(location, { method: "PUT", body: bytes, headers: { "content-type": "application/octet-stream" } });
      assert.equal(put.status, 201);
    }
    const manifest = await fetch(`${registry.url}/v2/dmr/handmade/manifests/Q8_0`, {
      method: "PUT",
      body: artifact.manifest,
      headers: { "content-type": ociManifest },
    });
    assert.equal(manifest.status, 201);

    const store = await ModelStore.open({ root: join(dir, "handmade") });
    const model = await pullModel(store, `${registry.host}/dmr/handmade:Q8_0`, { env });
    assert.equal(model.id, digestOf(artifact.manifest), "the model ID is the digest of the manifest's exact bytes");
    assert.deepEqual(await readFile(join(store.layout.manifest(model.id))), artifact.manifest);
    for (const [digest, bytes] of artifact.blobs) assert.deepEqual(await readFile(store.blobs.path(digest)), bytes);
    assert.equal(model.config.config.quantization, "Q8_0");
    assert.deepEqual(model.config.rootfs.diff_ids, artifact.layerDigests);
    const [first] = await store.ggufPaths(model);
    assert.deepEqual(await readFile(first!), gguf);
  });

  it("pushes a packaged model whose manifest and config are DMR's, field by field", async () => {
    const store = await ModelStore.open({ root: join(dir, "packaged") });
    await writeFile(join(dir, "LICENSE"), "Apache-2.0\n");
    const created = new Date("2025-07-01T08:30:00Z");
    const name = `${registry.host}/team/packaged:Q8_0`;
    await packageGguf(store, { gguf: join(dir, "coder-Q8_0.gguf"), license: join(dir, "LICENSE"), created }, name);
    await pushModel(store, name, { env });

    const response = await fetch(`${registry.url}/v2/team/packaged/manifests/Q8_0`, { headers: { accept: ociManifest } });
    assert.equal(response.headers.get("content-type"), ociManifest);
    const manifest = (await response.json()) as Record<string, any>;
    assert.deepEqual(Object.keys(manifest).sort(), ["config", "layers", "mediaType", "schemaVersion"]);
    assert.equal(manifest.schemaVersion, 2);
    assert.equal(manifest.mediaType, ociManifest);
    assert.equal(manifest.config.mediaType, "application/vnd.docker.ai.model.config.v0.1+json");
    assert.deepEqual(manifest.layers.map((layer: { mediaType: string }) => layer.mediaType), [
      "application/vnd.docker.ai.gguf.v3",
      "application/vnd.docker.ai.license",
    ]);
    assert.equal(manifest.layers[0].digest, digestOf(gguf));
    assert.equal(manifest.layers[0].size, gguf.length);

    const configBytes = Buffer.from(await (await fetch(`${registry.url}/v2/team/packaged/blobs/${manifest.config.digest}`)).arrayBuffer());
    assert.equal(digestOf(configBytes), manifest.config.digest);
    assert.equal(configBytes.length, manifest.config.size);
    const config = JSON.parse(configBytes.toString("utf8"));
    assert.deepEqual(Object.keys(config), ["config", "descriptor", "rootfs"]);
    assert.equal(config.config.format, "gguf");
    assert.equal(config.config.quantization, "Q8_0");
    assert.match(config.config.parameters, /^\d+\.\d{2}[KMBT]?$/);
    assert.equal(config.config.architecture, "llama");
    assert.match(config.config.size, /^\d+(\.\d+)? ?[kKMG]i?B$/);
    assert.equal(config.config.gguf["general.architecture"], "llama");
    assert.ok(Object.values(config.config.gguf).every((value) => typeof value === "string"), "gguf metadata values are strings");
    assert.equal(config.descriptor.created, created.toISOString());
    assert.deepEqual(config.rootfs, { type: "rootfs", diff_ids: manifest.layers.map((layer: { digest: string }) => layer.digest) });
  });
});
