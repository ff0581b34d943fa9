import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { login } from "../../host/registry/login";
import { pushModel } from "../../host/registry/push";
import { listQuantizations } from "../../host/registry/quants";
import { ModelStore } from "../../host/store/store";
import { startFakeHub, type FakeHub } from "../fixtures/huggingface";
import { startCuttingProxy, type CuttingProxy } from "../fixtures/registry-proxy";
import { handBuiltArtifact, storeArtifact, writeTestGguf } from "../fixtures/registry-artifacts";
import { defaultUsers, startRegistry, type TestRegistry } from "../fixtures/registry";

/** The test models' shape: 1 layer, 4 KV heads of 256 / 4 = 64 dimensions, keys and values in F16. */
const kvBytesPerToken = 1 * 4 * (64 + 64) * 2;

describe("quantizations of a repository, known before downloading it", () => {
  let dir: string;
  let registry: TestRegistry;
  let proxy: CuttingProxy;
  let hub: FakeHub;
  let env: NodeJS.ProcessEnv;
  let q8: Buffer;
  let q4: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lmr-quants-"));
    // Docker Hub's arrangement: Bearer tokens, anonymous pulls allowed, pushes for the logged-in owner.
    registry = await startRegistry({ auth: "token", anonymousPull: true });
    proxy = await startCuttingProxy(registry.host);
    const owner = { ...process.env, LMR_HOME: join(dir, "owner"), DOCKER_CONFIG: join(dir, "owner") };
    env = { ...process.env, LMR_HOME: join(dir, "anonymous"), DOCKER_CONFIG: join(dir, "anonymous") };
    const [user, password] = Object.entries(defaultUsers)[0]!;
    await login(registry.host, user, password, { env: owner });

    const models = join(dir, "hub", "org", "coder-gguf");
    await mkdir(models, { recursive: true });
    await writeTestGguf(join(models, "coder-Q8_0.gguf"), { weightBytes: 2 * 1024 * 1024, fileType: 7 });
    await writeTestGguf(join(models, "coder-Q4_K_M-00001-of-00002.gguf"), { weightBytes: 1024 * 1024, fileType: 15 });
    await writeTestGguf(join(models, "coder-Q4_K_M-00002-of-00002.gguf"), { weightBytes: 512 * 1024, fileType: 15 });
    await writeTestGguf(join(models, "mmproj-coder-F16.gguf"), { weightBytes: 64 * 1024, fileType: 1 });
    q8 = await readFile(join(models, "coder-Q8_0.gguf"));
    q4 = await readFile(join(models, "coder-Q4_K_M-00001-of-00002.gguf"));
    hub = await startFakeHub({ root: join(dir, "hub") });

    const store = await ModelStore.open({ root: join(dir, "store") });
    const gguf = "application/vnd.docker.ai.gguf.v3";
    await storeArtifact(store, `${registry.host}/ai/coder:1B-Q8_0`, handBuiltArtifact([{ mediaType: gguf, bytes: q8 }]));
    await storeArtifact(store, `${registry.host}/ai/coder:1B-Q4_K_M`, handBuiltArtifact([{ mediaType: gguf, bytes: q4 }], {
      format: "gguf", quantization: "Q4_K_M", parameters: "1.24B", architecture: "llama", size: "1.1MB", gguf: {},
    }));
    await store.tag(`${registry.host}/ai/coder:1B-Q8_0`, `${registry.host}/ai/coder:latest`);
    for (const tag of ["1B-Q8_0", "1B-Q4_K_M", "latest"]) await pushModel(store, `${registry.host}/ai/coder:${tag}`, { env: owner });
  });

  after(async () => {
    await proxy.stop();
    await registry.stop();
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists every tag of an OCI repository with quantization, bits per weight, size and memory, reading headers only", async () => {
    const before = proxy.bytesDown;
    const quants = await listQuantizations(`${proxy.host}/ai/coder`, { env, contextSize: 8192 });
    const moved = proxy.bytesDown - before;
    assert.ok(moved < (q8.length + q4.length) / 2, `read ${moved} bytes of ${q8.length + q4.length}`);

    const byTag = new Map(quants.map((quant) => [quant.tag, quant]));
    assert.deepEqual([...byTag.keys()].sort(), ["1B-Q4_K_M", "1B-Q8_0", "latest"]);
    const q8Info = byTag.get("1B-Q8_0")!;
    assert.equal(q8Info.reference, `${proxy.host}/ai/coder:1B-Q8_0`);
    assert.equal(q8Info.quantization, "Q8_0");
    assert.ok(Math.abs(q8Info.bitsPerWeight - 8.5) < 0.1, `Q8_0 stores 8.5 bits per weight, got ${q8Info.bitsPerWeight}`);
    assert.equal(q8Info.size, q8.length);
    assert.equal(q8Info.contextSize, 8192);
    assert.equal(q8Info.memory.kvCache, 8192 * kvBytesPerToken);
    assert.equal(q8Info.memory.weights, q8.length);
    assert.equal(q8Info.memory.total, q8Info.memory.weights + q8Info.memory.kvCache + q8Info.memory.compute);
    assert.equal(byTag.get("1B-Q4_K_M")!.quantization, "Q4_K_M");
    assert.equal(byTag.get("1B-Q4_K_M")!.parameters, "1.24B", "the packager's parameter count is reported");
    assert.deepEqual({ ...byTag.get("latest")!, tag: "", reference: "" }, { ...q8Info, tag: "", reference: "" });
  });

  it("lists the GGUF file sets of a Hugging Face repository, shards counted together, without the projector", async () => {
    const served = hub.bytesServed;
    const quants = await listQuantizations("hf.co/org/coder-gguf", { env: { ...env, HF_ENDPOINT: hub.url } });
    assert.ok(hub.bytesServed - served < (q8.length + q4.length) / 2, `read ${hub.bytesServed - served} bytes`);
    assert.deepEqual(quants.map((quant) => [quant.reference, quant.quantization]).sort(), [
      ["hf.co/org/coder-gguf:Q4_K_M", "Q4_K_M"],
      ["hf.co/org/coder-gguf:Q8_0", "Q8_0"],
    ]);
    const sharded = quants.find((quant) => quant.tag === "Q4_K_M")!;
    const second = await readFile(join(dir, "hub", "org", "coder-gguf", "coder-Q4_K_M-00002-of-00002.gguf"));
    assert.equal(sharded.size, q4.length + second.length);
    assert.equal(sharded.memory.kvCache, 4096 * kvBytesPerToken, "4096 tokens unless asked otherwise");
  });
});
