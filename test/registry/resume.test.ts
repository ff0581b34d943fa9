import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { execa } from "execa";
import { pullModel } from "../../host/registry/pull";
import { pushModel } from "../../host/registry/push";
import { parseDigest } from "../../host/store/digest";
import { ModelStore } from "../../host/store/store";
import { startCuttingProxy, type CuttingProxy } from "../fixtures/registry-proxy";
import { digestOf, handBuiltArtifact, storeArtifact, writeTestGguf } from "../fixtures/registry-artifacts";
import { startRegistry, type TestRegistry } from "../fixtures/registry";
import { startHost } from "../helpers/host";

/** Manifest, config, license and HTTP headers: what a pull moves besides the GGUF layer. */
const overhead = 256 * 1024;

describe("pulling through interruptions, corruption and concurrency", () => {
  let registry: TestRegistry;
  let proxy: CuttingProxy;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let gguf: Buffer;
  let ggufDigest: string;
  /** The model's name through the proxy, so every byte pulled is counted (and can be cut). */
  let name: string;

  before(async () => {
    registry = await startRegistry();
    proxy = await startCuttingProxy(registry.host);
    dir = await mkdtemp(join(tmpdir(), "lmr-resume-"));
    env = { ...process.env, LMR_HOME: join(dir, "lmr"), DOCKER_CONFIG: join(dir, "docker") };
    await writeTestGguf(join(dir, "model.gguf"), { weightBytes: 8 * 1024 * 1024 });
    gguf = await readFile(join(dir, "model.gguf"));
    ggufDigest = digestOf(gguf);
    const source = await ModelStore.open({ root: join(dir, "source") });
    await storeArtifact(source, `${registry.host}/team/coder:Q8_0`, handBuiltArtifact([
      { mediaType: "application/vnd.docker.ai.gguf.v3", bytes: gguf },
      { mediaType: "application/vnd.docker.ai.license", bytes: Buffer.from("Apache-2.0\n") },
    ]));
    await pushModel(source, `${registry.host}/team/coder:Q8_0`, { env });
    name = `${proxy.host}/team/coder:Q8_0`;
  });

  after(async () => {
    await proxy.stop();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const freshStore = (label: string) => ModelStore.open({ root: join(dir, label) });
  const pulledBytes = async (pull: () => Promise<unknown>) => {
    const before = proxy.bytesDown;
    await pull();
    return proxy.bytesDown - before;
  };

  it("resumes a blob whose connection was cut and downloads only the rest", async () => {
    const store = await freshStore("cut");
    const cutsBefore = proxy.cuts;
    proxy.cutAfter(3 * 1024 * 1024);
    const transferred = await pulledBytes(() => pullModel(store, name, { env }));
    assert.equal(proxy.cuts, cutsBefore + 1, "the connection was cut");
    assert.ok(transferred < gguf.length + overhead, `moved ${transferred} bytes for a ${gguf.length}-byte blob`);
    assert.deepEqual(await readFile(store.blobs.path(ggufDigest)), gguf);
  });

  it("leaves an interrupted pull's bytes in .incomplete, and the next pull continues from there", async () => {
    const store = await freshStore("aborted");
    const controller = new AbortController();
    // The download stalls past 4 MiB, so the abort below always comes before its end.
    proxy.holdAfter(4 * 1024 * 1024);
    await assert.rejects(
      pullModel(store, name, {
        env,
        signal: controller.signal,
        onProgress: (line) => {
          if (line.layer?.id === ggufDigest && line.layer.current >= 2 * 1024 * 1024) controller.abort();
        },
      }),
    );
    assert.deepEqual(await store.list(), [], "nothing is visible after an interrupted pull");
    const partial = (await stat(store.layout.incompleteBlob(parseDigest(ggufDigest)))).size;
    assert.ok(partial >= 2 * 1024 * 1024 && partial < gguf.length);

    const transferred = await pulledBytes(() => pullModel(store, name, { env }));
    assert.ok(transferred < gguf.length - partial + overhead, `moved ${transferred} bytes; ${gguf.length - partial} were missing`);
    assert.deepEqual(await readFile(store.blobs.path(ggufDigest)), gguf);
  });

  it("stops a pull through the host when its client hangs up, and the next pull goes on from its bytes", { timeout: 60_000 }, async () => {
    const hostEnv = { LMR_HOME: env.LMR_HOME!, DOCKER_CONFIG: env.DOCKER_CONFIG! };
    const host = await startHost({ env: hostEnv });
    try {
      // The download stalls past 4 MiB, so the hang-up below always comes before its end.
      proxy.holdAfter(4 * 1024 * 1024);
      const controller = new AbortController();
      const response = await fetch(`${host.url}/models/create`, { method: "POST", body: JSON.stringify({ from: name }), signal: controller.signal });
      const lines = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      const pastTwoMiB = (line: string) => {
        const progress = JSON.parse(line) as { layer?: { id: string; current: number } };
        return progress.layer?.id === ggufDigest && progress.layer.current >= 2 * 1024 * 1024;
      };
      while (!text.split("\n").slice(0, -1).some(pastTwoMiB)) {
        const { value, done } = await lines.read();
        assert.ok(!done, `the pull ended before the client hung up:\n${text}`);
        text += value;
      }
      controller.abort();

      // The first pull holds the blob's lock until it has stopped: this one would wait for ever otherwise.
      const transferred = await pulledBytes(async () => assert.equal((await host.lmr(["pull", name], { env: hostEnv })).code, 0));
      assert.ok(transferred < gguf.length - 2 * 1024 * 1024 + overhead, `moved ${transferred} bytes; at most ${gguf.length - 2 * 1024 * 1024} were missing`);
      assert.match((await host.lmr(["ls"], { env: hostEnv })).stdout, new RegExp(`^${name}\\s`, "m"));
      assert.doesNotMatch(host.logs(), /unexpected error|ERROR/, "a client hanging up is no error of the host");
    } finally {
      await host.stop();
    }
  });

  it("checks a partial file that already holds the whole blob instead of downloading it again", async () => {
    const store = await freshStore("complete-partial");
    await writeFile(store.layout.incompleteBlob(parseDigest(ggufDigest)), gguf);
    const transferred = await pulledBytes(() => pullModel(store, name, { env }));
    assert.ok(transferred < overhead, `moved ${transferred} bytes`);
    assert.ok(await store.resolve(name));
  });

  it("downloads each blob once when one process pulls the same model twice at once", async () => {
    const store = await freshStore("concurrent");
    const transferred = await pulledBytes(() => Promise.all([pullModel(store, name, { env }), pullModel(store, name, { env })]));
    assert.ok(transferred < gguf.length + overhead, `moved ${transferred} bytes for a ${gguf.length}-byte blob`);
    assert.deepEqual(await readFile(store.blobs.path(ggufDigest)), gguf);
  });

  it("downloads each blob once when two processes pull the same model at once", async () => {
    const root = join(dir, "two-processes");
    const script = join(dir, "pull.mts");
    await writeFile(script, [
      `import { pullModel } from ${JSON.stringify(join(process.cwd(), "host/registry/pull.ts"))};`,
      `import { ModelStore } from ${JSON.stringify(join(process.cwd(), "host/store/store.ts"))};`,
      `await pullModel(await ModelStore.open({ root: process.argv[2] }), process.argv[3]);`,
    ].join("\n"));
    const pull = () => execa("node", ["--import", "tsx", script, root, name], { env, cwd: process.cwd() });
    const transferred = await pulledBytes(() => Promise.all([pull(), pull()]));
    assert.ok(transferred < gguf.length + overhead, `moved ${transferred} bytes for a ${gguf.length}-byte blob`);
    const store = await ModelStore.open({ root });
    assert.deepEqual(await readFile(store.blobs.path(ggufDigest)), gguf);
  });

  it("refuses a blob the registry serves corrupted, and keeps nothing of it", async () => {
    const data = registry.blobDataPath(ggufDigest);
    const original = await readFile(data);
    const tampered = Buffer.from(original);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 100) ^ 0xff, tampered.length - 100);
    await writeFile(data, tampered);
    try {
      const store = await freshStore("corrupt");
      await assert.rejects(pullModel(store, name, { env }), (error: Error & { code?: string; fix?: string }) => {
        assert.equal(error.code, "digest_mismatch");
        assert.match(error.message, new RegExp(`${ggufDigest}.*discarded`));
        assert.match(error.fix ?? "", /[Pp]ull/);
        return true;
      });
      assert.deepEqual(await store.list(), []);
      assert.equal(await store.blobs.has(ggufDigest), false);
      assert.equal(await store.blobs.incompleteSize(ggufDigest), 0);
    } finally {
      await writeFile(data, original);
    }
  });
});
